/**
 * Follows the README's Quick start literally in a fresh temporary clone of this repository:
 * the install command, the demo command inside a tmux pane (the grid must show every demo agent,
 * and quitting must remove the demo), and the test command.
 *
 * By default it is literal: the real `npm ci` (compiling better-sqlite3 takes a few minutes), then the
 * README's `npm test` with every layer — only this file is left out of the nested run, since it would
 * recurse. `npm test` runs this file alone, after all the others, so the nested suite has the machine.
 * FLEET_E2E_QUICK=1 takes shortcuts for a developer's quick loop: a hard-link copy of this checkout's
 * node_modules instead of `npm ci`, and `npm test -- test/unit` as the nested run.
 * The clone holds the COMMITTED tree (HEAD), so this also catches a file someone forgot to commit.
 */
import fs from 'node:fs';
import path from 'node:path';
import { execFileSync, spawn } from 'node:child_process';
import { afterAll, describe, expect, it } from 'vitest';
import { DEMO_AGENTS, DEMO_STRAY } from '../../src/demo/agents.js';
import { tmuxClientEnv } from '../../src/tmux/runner.js';
import { killTestServer, REPO_ROOT, tempDir, testSocket, tmux, waitFor } from '../helpers/tmux.js';

/** The commands of the README's Quick start code block, comments dropped. */
export function quickStartCommands(readme: string): string[] {
  const start = readme.indexOf('\n## Quick start\n');
  if (start < 0) throw new Error('README.md has no "## Quick start" section');
  const end = readme.indexOf('\n## ', start + 1);
  const section = readme.slice(start, end < 0 ? undefined : end);
  const block = /```(?:sh|bash|shell)?\n([\s\S]*?)```/.exec(section);
  if (!block) throw new Error('the Quick start section has no code block');
  return block[1]!
    .split('\n')
    .map((l) => l.replace(/\s+#.*$/, '').trim())
    .filter((l) => l !== '' && !l.startsWith('#'));
}

function sh(cmd: string, cwd: string, timeoutMs: number): Promise<{ code: number | null; out: string }> {
  return new Promise((resolve) => {
    const child = spawn('sh', ['-c', cmd], { cwd, env: { ...tmuxClientEnv(), CI: '1' }, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (b: Buffer) => (out += b.toString()));
    child.stderr.on('data', (b: Buffer) => (out += b.toString()));
    const t = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('exit', (code) => {
      clearTimeout(t);
      resolve({ code, out });
    });
  });
}

const readme = fs.readFileSync(path.join(REPO_ROOT, 'README.md'), 'utf8');
const dir = tempDir('fleet-e2e-');
const clone = path.join(dir, 'fleet');
const socket = testSocket();

afterAll(() => {
  killTestServer(socket);
  fs.rmSync(dir, { recursive: true, force: true });
});

describe('README Quick start, followed literally in a fresh clone', () => {
  const cmds = quickStartCommands(readme);

  it('has exactly three commands: install, the demo, the tests', () => {
    expect(cmds).toHaveLength(3);
    expect(cmds[0]).toMatch(/^npm (ci|install)\b/);
    expect(cmds[1]).toMatch(/\bdemo$/);
    expect(cmds[2]).toBe('npm test');
  });

  it('install, demo in a tmux pane (every agent on the grid; q removes the demo), npm test', async () => {
    execFileSync('git', ['clone', '--quiet', REPO_ROOT, clone], { stdio: 'ignore' });

    // 1. install
    let install = cmds[0]!;
    if (process.env.FLEET_E2E_QUICK) {
      execFileSync('cp', ['-al', path.join(REPO_ROOT, 'node_modules'), path.join(clone, 'node_modules')]);
      install = install.replace(/^npm (ci|install)\s*(&&\s*)?/, '') || 'true';
    }
    const inst = await sh(install, clone, 900_000);
    expect(inst.code, inst.out).toBe(0);

    // 2. the demo, in a tmux pane on a private socket, as a newcomer would run it in a terminal
    tmux(socket, 'new-session', '-d', '-s', 'newcomer', '-x', '140', '-y', '40', '-c', clone, 'sh', '-c', `env TERM=xterm-256color ${cmds[1]!}`);
    tmux(socket, 'set-option', '-w', '-t', '=newcomer:', 'remain-on-exit', 'on');
    const names = [...DEMO_AGENTS.map((a) => a.name), DEMO_STRAY];
    const screen = await waitFor(() => {
      const s = tmux(socket, 'capture-pane', '-p', '-t', '=newcomer:');
      if (tmux(socket, 'display-message', '-p', '-t', '=newcomer:', '#{pane_dead}').trim() === '1') throw new Error(`the demo exited:\n${s}`);
      return names.every((n) => s.includes(n)) ? s : null;
    }, { timeoutMs: 60_000, intervalMs: 300, what: 'the grid with every demo agent' });
    // Which demo is ours: the one whose roster names the socket on the cockpit's header (or, if the
    // header does not show it, any demo temp dir that appeared since the clone).
    const demoSocket = /fleet-demo-\d+-[0-9a-f]{8}/.exec(screen)?.[0];
    const tmp = path.dirname(dir);
    const roots = fs.readdirSync(tmp).filter((f) => f.startsWith('fleet-demo-')).map((f) => path.join(tmp, f));
    const ours = roots.filter((r) => {
      try {
        return demoSocket ? fs.readFileSync(path.join(r, 'fleet.yaml'), 'utf8').includes(demoSocket) : fs.statSync(r).mtimeMs >= fs.statSync(clone).mtimeMs;
      } catch {
        return false;
      }
    });
    expect(ours.length).toBeGreaterThan(0);

    tmux(socket, 'send-keys', '-t', '=newcomer:', 'q');
    await waitFor(() => tmux(socket, 'display-message', '-p', '-t', '=newcomer:', '#{pane_dead}').trim() === '1', { timeoutMs: 20_000, what: 'the demo to quit on q' });
    if (demoSocket) {
      const uid = process.getuid?.() ?? 0;
      expect(fs.existsSync(path.join(process.env.TMUX_TMPDIR || '/tmp', `tmux-${uid}`, demoSocket))).toBe(false);
      for (const r of ours) expect(fs.existsSync(r)).toBe(false);
    } else {
      expect(ours.some((r) => !fs.existsSync(r))).toBe(true);
    }

    // 3. the tests (a subset: see the header of this file)
    const subset = process.env.FLEET_E2E_QUICK ? ' -- test/unit' : ' -- test/unit test/integration test/render test/faults test/e2e/top.test.ts';
    const t = await sh(cmds[2]! + subset, clone, 1_500_000);
    const summary = t.out.trim().split('\n').pop() ?? '';
    const why = t.out.split('\n').filter((l) => /✗|\berror\b|FAIL/.test(l)).slice(0, 30).join('\n');
    expect(summary, `${why}\n…\n${t.out.slice(-2000)}`).toMatch(/^\d+ passed, 0 failed$/);
    expect(t.code).toBe(0);
  }, 2_700_000);
});
