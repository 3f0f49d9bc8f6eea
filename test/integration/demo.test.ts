import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { openContext } from '../../src/context.js';
import { DEMO_AGENTS, DEMO_STRAY } from '../../src/demo/agents.js';
import { setupDemo, type Demo } from '../../src/demo/setup.js';
import { adapterFor } from '../../src/runtimes/index.js';
import { TmuxClient } from '../../src/tmux/client.js';
import { tmuxClientEnv } from '../../src/tmux/runner.js';
import { snapshot } from '../../src/watch/snapshot.js';
import { FLEET_BIN, killTestServer, STANDIN, tempDir, testSocket, tmux, waitFor } from '../helpers/tmux.js';

const demos: Demo[] = [];
const children: ChildProcess[] = [];
const sockets: string[] = [];
afterEach(async () => {
  for (const c of children.splice(0)) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
  await Promise.all(demos.splice(0).map((d) => d.cleanup()));
  for (const s of sockets.splice(0)) killTestServer(s);
});

beforeAll(() => {
  if (!fs.existsSync(STANDIN)) throw new Error(`${STANDIN} is missing: run \`node scripts/build.mjs\` before the integration tests`);
});

async function demo(opts: Parameters<typeof setupDemo>[0] = {}): Promise<Demo> {
  const d = await setupDemo(opts);
  demos.push(d);
  return d;
}

async function sessions(socket: string): Promise<string[]> {
  const obs = await new TmuxClient(socket).observe();
  return obs.server === 'up' ? [...obs.panes.keys()].sort() : [];
}

const exists = (p: string): boolean => fs.existsSync(p);

describe('setupDemo', () => {
  it('starts a live fleet where every state can be seen, on its own socket and temp files', async () => {
    const d = await demo();
    expect(d.globals.socket).toMatch(/^fleet-demo-\d+-[0-9a-f]{8}$/);
    expect(d.globals.roster.startsWith(d.root)).toBe(true);
    expect(d.globals.stateDir.startsWith(d.root)).toBe(true);
    expect(d.env.CLAUDE_CONFIG_DIR!.startsWith(d.root)).toBe(true);
    expect(d.socketPath && exists(d.socketPath)).toBe(true);

    const live = DEMO_AGENTS.filter((a) => a.start === 'live' || a.start === 'crash').map((a) => a.name);
    expect(await sessions(d.globals.socket)).toEqual(['_holder', ...live, DEMO_STRAY].sort());

    const ctx = openContext(d.globals);
    expect(ctx.roster.agents).toHaveLength(DEMO_AGENTS.length);
    const states = async (): Promise<Record<string, string>> => Object.fromEntries((await snapshot(ctx)).map((r) => [r.name, r.state]));
    const first = await states();
    expect(first['docs-1']).toBe('asleep');
    expect(first.migrator).toBe('stopped');
    expect(first['ci-bot']).toBe('external');
    expect(first[DEMO_STRAY]).toBe('stray');
    // flaky was told to /crash: its pane stays, dead
    await waitFor(async () => (await states()).flaky === 'dead', { timeoutMs: 20_000, what: 'flaky to be dead' });
    // the burst workers write their transcripts: busy at some point
    await waitFor(async () => (await states())['coder-1'] === 'busy', { timeoutMs: 20_000, what: 'coder-1 busy' });
    // reviewer-2 asks the operator a question: the claude adapter sees it on the screen
    const screen = await waitFor(async () => {
      const s = await ctx.tmux.capturePane('reviewer-2');
      return s.includes('Merge PR #42') ? s : null;
    }, { timeoutMs: 20_000, what: 'reviewer-2 asking' });
    expect(adapterFor('claude')!.isWaiting(screen)).toBe(true);
    // coder-1 got its first task pasted: the transcript records it as a user turn
    const projects = path.join(d.env.CLAUDE_CONFIG_DIR!, 'projects');
    await waitFor(() => fs.readdirSync(projects).some((dir) =>
      fs.readdirSync(path.join(projects, dir)).some((f) => fs.readFileSync(path.join(projects, dir, f), 'utf8').includes('Add retries with backoff')),
    ), { timeoutMs: 20_000, what: 'the first task in a transcript' });
  });

  it('cleanup removes its sessions, socket file and temp dir — and leaves another tmux server alone', async () => {
    const other = testSocket();
    sockets.push(other);
    tmux(other, 'new-session', '-d', '-s', 'bystander', 'sleep 600');
    const outside = tempDir('fleet-bystander-');

    const d = await demo({ choreograph: false });
    const obs = await new TmuxClient(d.globals.socket).observe();
    if (obs.server !== 'up') throw new Error('demo server is down');
    const pids = [...obs.panes.values()].map((p) => p.pid);
    expect(pids.length).toBeGreaterThan(5);
    await d.cleanup();
    await d.cleanup(); // idempotent

    expect(await sessions(d.globals.socket)).toEqual([]);
    expect(exists(d.socketPath!)).toBe(false);
    expect(exists(d.root)).toBe(false);
    await waitFor(() => pids.every((pid) => { try { process.kill(pid, 0); return false; } catch { return true; } }), { what: 'demo agents to exit' });
    expect(tmux(other, 'list-sessions', '-F', '#{session_name}').trim()).toBe('bystander');
    expect(exists(outside)).toBe(true);
    fs.rmSync(outside, { recursive: true, force: true });
  });

  it('two demos at the same time do not collide, and ending one leaves the other running', async () => {
    const [a, b] = await Promise.all([demo({ choreograph: false }), demo({ choreograph: false })]);
    expect(a.globals.socket).not.toBe(b.globals.socket);
    expect(a.root).not.toBe(b.root);
    expect(a.env.CLAUDE_CONFIG_DIR).not.toBe(b.env.CLAUDE_CONFIG_DIR);
    const sa = await sessions(a.globals.socket);
    expect(sa).toEqual(await sessions(b.globals.socket));
    expect(sa).toContain('coder-1');
    await a.cleanup();
    expect(await sessions(a.globals.socket)).toEqual([]);
    expect(await sessions(b.globals.socket)).toEqual(sa);
    expect(exists(b.root) && exists(b.globals.roster)).toBe(true);
  });

  it('refuses a missing stand-in with a clear message and leaves nothing behind', async () => {
    const parent = tempDir('fleet-demo-parent-');
    await expect(setupDemo({ standin: path.join(parent, 'nope.js'), tmpDir: parent })).rejects.toThrow(/stand-in agent .*nope\.js does not exist.*npm run build/);
    expect(fs.readdirSync(parent)).toEqual([]);
    fs.rmSync(parent, { recursive: true, force: true });
  });

  it('a failure half-way through setup removes what was already made', async () => {
    const parent = tempDir('fleet-demo-parent-');
    // a name tmux accepts but the roster cannot hold makes newSession fail after the server is up
    const bad = { ...DEMO_AGENTS[0]!, name: 'Bad_Name' };
    await expect(setupDemo({ tmpDir: parent, agents: [DEMO_AGENTS[0]!, bad], choreograph: false })).rejects.toThrow(/Bad_Name/);
    expect(fs.readdirSync(parent)).toEqual([]);
    fs.rmSync(parent, { recursive: true, force: true });
  });
});

describe('fleet demo (CLI)', () => {
  function runFleet(args: string[]): { child: ChildProcess; out: () => string; err: () => string; exited: Promise<{ code: number | null; signal: string | null }> } {
    const child = spawn(process.execPath, [FLEET_BIN, ...args], { env: tmuxClientEnv(), stdio: ['ignore', 'pipe', 'pipe'] });
    children.push(child);
    let out = '';
    let err = '';
    child.stdout!.on('data', (b: Buffer) => (out += b.toString()));
    child.stderr!.on('data', (b: Buffer) => (err += b.toString()));
    const exited = new Promise<{ code: number | null; signal: string | null }>((r) => child.on('exit', (code, signal) => r({ code, signal })));
    return { child, out: () => out, err: () => err, exited };
  }

  for (const sig of ['SIGTERM', 'SIGHUP', 'SIGINT'] as const) {
    it(`--headless runs the fleet until ${sig}, then removes everything it made`, async () => {
      const r = runFleet(['demo', '--headless', '--json']);
      const info = await waitFor(() => {
        const line = r.out().split('\n').find((l) => l.startsWith('{'));
        return line ? (JSON.parse(line) as { socket: string; roster: string; root: string; env: Record<string, string>; agents: string[] }) : null;
      }, { timeoutMs: 30_000, what: `demo JSON (stderr: ${r.err()})` });
      expect(info.agents).toEqual(DEMO_AGENTS.map((a) => a.name));
      // The fleet is reachable from another process with the printed env.
      const ls = await new Promise<string>((resolve, reject) => {
        const c = spawn(process.execPath, [FLEET_BIN, 'ls', '--json'], { env: { ...tmuxClientEnv(), ...info.env }, stdio: ['ignore', 'pipe', 'pipe'] });
        let o = '';
        c.stdout.on('data', (b: Buffer) => (o += b.toString()));
        c.on('exit', (code) => (code === 0 ? resolve(o) : reject(new Error(`fleet ls exited ${code}`))));
      });
      const rows = JSON.parse(ls) as { name: string; state: string }[];
      expect(rows.map((x) => x.name)).toEqual([...DEMO_AGENTS.map((a) => a.name), DEMO_STRAY]);
      expect(await sessions(info.socket)).toContain('coder-1');

      r.child.kill(sig);
      const end = await r.exited;
      expect(end.code).toBe(0);
      expect(await sessions(info.socket)).toEqual([]);
      expect(exists(info.root)).toBe(false);
      expect(fs.readdirSync(path.dirname(socketFileOf(info.socket))).includes(info.socket)).toBe(false);
    });
  }

  it('without a terminal (and without --headless) refuses with exit 2 before starting anything', async () => {
    const tmp = tempDir('fleet-demo-notty-');
    const r = spawn(process.execPath, [FLEET_BIN, 'demo'], { env: { ...tmuxClientEnv(), TMPDIR: tmp }, stdio: ['pipe', 'pipe', 'pipe'] });
    children.push(r);
    let err = '';
    r.stderr.on('data', (b: Buffer) => (err += b.toString()));
    const code = await new Promise<number | null>((res) => r.on('exit', (c) => res(c)));
    expect(code).toBe(2);
    expect(err).toMatch(/fleet demo needs a terminal.*--headless/);
    expect(fs.readdirSync(tmp)).toEqual([]);
    fs.rmSync(tmp, { recursive: true, force: true });
  });

  for (const how of ['q', 'closing the terminal (SIGHUP)', 'SIGTERM'] as const) {
    it(`the cockpit on the demo fleet, ended by ${how}, removes the demo`, async () => {
      const outer = testSocket();
      sockets.push(outer);
      // The exit status goes to a file: tmux 3.3a does not always record #{pane_dead_status}.
      const statusFile = path.join(fs.mkdtempSync(path.join(tempParent(), 'fleet-test-status-')), 'status');
      tmux(outer, 'new-session', '-d', '-s', 'term', '-x', '140', '-y', '40', 'sh', '-c', `env TERM=xterm-256color ${JSON.stringify(process.execPath)} ${JSON.stringify(FLEET_BIN)} demo; echo $? > ${JSON.stringify(statusFile)}`);
      tmux(outer, 'set-option', '-w', '-t', '=term:', 'remain-on-exit', 'on');
      const screen = await waitFor(() => {
        const text = tmux(outer, 'capture-pane', '-p', '-t', '=term:');
        return DEMO_AGENTS.every((a) => text.includes(a.name)) && text.includes(DEMO_STRAY) ? text : null;
      }, { timeoutMs: 30_000, intervalMs: 200, what: 'the grid with every demo agent' });
      const socket = /fleet-demo-\d+-[0-9a-f]{8}/.exec(screen)?.[0];
      expect(socket, screen).toBeDefined();
      // The pane runs sh; `env` execs node, so fleet is sh's one child.
      const shPid = tmux(outer, 'display-message', '-p', '-t', '=term:', '#{pane_pid}').trim();
      const pid = Number(execFileSync('pgrep', ['-P', shPid], { encoding: 'utf8' }).trim().split('\n')[0]);
      const root = fs.readdirSync(tempParent()).map((f) => path.join(tempParent(), f)).find((d) => {
        try {
          return fs.readFileSync(path.join(d, 'fleet.yaml'), 'utf8').includes(socket!);
        } catch {
          return false;
        }
      });
      expect(root).toBeDefined();

      if (how === 'q') tmux(outer, 'send-keys', '-t', '=term:', 'q');
      else if (how === 'SIGTERM') process.kill(pid, 'SIGTERM');
      else tmux(outer, 'kill-session', '-t', '=term');
      await waitFor(async () => !exists(root!) && (await sessions(socket!)).length === 0 && !exists(socketFileOf(socket!)), {
        timeoutMs: 20_000,
        what: `the demo to be removed after ${how}`,
      });
      if (how !== 'closing the terminal (SIGHUP)') {
        const status = await waitFor(() => (fs.existsSync(statusFile) ? fs.readFileSync(statusFile, 'utf8').trim() : ''), { what: 'fleet demo to exit' });
        expect(Number(status)).toBe(how === 'q' ? 0 : 143);
      }
    });
  }

  it('refuses --socket, --roster and --state-dir with exit 2 and a clear message', async () => {
    const r = runFleet(['demo', '--socket', 'mine']);
    const end = await r.exited;
    expect(end.code).toBe(2);
    expect(r.err()).toMatch(/fleet demo makes its own private socket.*--socket/);
  });
});

function tempParent(): string {
  return fs.realpathSync(os.tmpdir());
}

function socketFileOf(socket: string): string {
  const uid = process.getuid?.() ?? 0;
  return path.join(process.env.TMUX_TMPDIR || '/tmp', `tmux-${uid}`, socket);
}
