import fs from 'node:fs';
import path from 'node:path';
import { spawn } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { claudeProjectDir } from '../../src/runtimes/claude-paths.js';
import { openContext } from '../../src/context.js';
import { createSupervisor } from '../../src/lifecycle/index.js';
import { adapterFor as realAdapterFor } from '../../src/runtimes/index.js';
import { readAgentFiles } from '../../src/state/files.js';
import { ProcessTmuxRunner } from '../../src/tmux/runner.js';
import { makeTestFleet, standinAgents, type TestFleet } from '../helpers/fleet-env.js';
import { FLEET_BIN, STANDIN, tmux, waitFor } from '../helpers/tmux.js';

function sessions(f: TestFleet): string[] {
  try {
    return tmux(f.socket, 'list-sessions', '-F', '#{session_name}').trim().split('\n').filter(Boolean).sort();
  } catch {
    return [];
  }
}
const wakeFile = (f: TestFleet, n: string): string => path.join(f.stateDir, 'agents', `${n}.wake.json`);

interface Report {
  supervisor: boolean;
  holder: { pid: number } | null;
  actions: { name: string; action: string; result: string }[];
}
async function once(f: TestFleet): Promise<{ code: number; report: Report }> {
  const r = await f.fleet(['supervise', '--once', '--json']);
  return { code: r.code, report: JSON.parse(r.stdout) as Report };
}

describe('fleet supervise', () => {
  it('reaps an idle agent fleet woke, never an external one nor one attached to recently', async () => {
    const f = makeTestFleet();
    const idle = '    idleSecs: 1\n';
    f.writeRoster(`version: 1\nagents:\n${standinAgents(f, ['a1', 'a2'], idle)}${standinAgents(f, ['ext1'], idle + '    managed: external\n')}`);
    expect((await f.fleet(['wake', 'a1'])).code).toBe(0);
    expect((await f.fleet(['wake', 'a2'])).code).toBe(0);
    tmux(f.socket, 'new-session', '-d', '-s', 'ext1', 'sleep 600');
    // the operator attached to a2 a moment ago (grace period: 600 s by default)
    const rec = JSON.parse(fs.readFileSync(wakeFile(f, 'a2'), 'utf8'));
    fs.writeFileSync(wakeFile(f, 'a2'), JSON.stringify({ ...rec, attachedAt: Date.now() }));

    const seen: Report['actions'] = [];
    await waitFor(
      async () => {
        const { code, report } = await once(f);
        expect(code).toBe(0);
        expect(report.supervisor).toBe(true);
        seen.push(...report.actions);
        return !sessions(f).includes('a1');
      },
      { timeoutMs: 20_000, intervalMs: 500, what: 'a1 reaped' },
    );
    expect(seen.filter((a) => a.name === 'a1').map((a) => [a.action, a.result])).toEqual([['reap', 'done']]);
    expect(seen.filter((a) => a.name !== 'a1')).toEqual([]);
    expect(sessions(f)).toEqual(['_holder', 'a2', 'ext1']);
    expect(fs.existsSync(wakeFile(f, 'a1'))).toBe(false);
    // asleep now: the next wake resumes it
    const w = await f.fleet(['wake', 'a1', '--json']);
    expect(JSON.parse(w.stdout)).toMatchObject({ outcome: 'ready', mode: 'resume' });
  });

  it('does not reap an idle agent holding the operator\'s draft or asking a question', async () => {
    const f = makeTestFleet();
    const idle = '    idleSecs: 1\n';
    f.writeRoster(
      `version: 1\nagents:\n${standinAgents(f, ['a1', 'a2'], idle)}` +
        `  - name: a3\n    runtime: claude\n    cwd: ${f.cwd('a3')}\n    command: node ${STANDIN} --ask "May I delete it?"\n${idle}`,
    );
    for (const n of ['a1', 'a2', 'a3']) expect((await f.fleet(['wake', n])).code).toBe(0);
    tmux(f.socket, 'send-keys', '-t', '=a1:', '-l', 'half typed');
    await waitFor(() => tmux(f.socket, 'capture-pane', '-p', '-t', '=a1:').includes('half typed'), { what: 'draft on screen' });
    await waitFor(
      async () => {
        expect((await once(f)).code).toBe(0);
        return !sessions(f).includes('a2');
      },
      { timeoutMs: 20_000, intervalMs: 500, what: 'a2 reaped' },
    );
    // a2 was idle as long as a1 and a3: those two were spared for their operator
    expect((await once(f)).report.actions).toEqual([]);
    expect(sessions(f)).toEqual(['_holder', 'a1', 'a3']);
  });

  it('forgets a gone session, and eagerly relaunches fresh one that died carrying a /new mark', async () => {
    const f = makeTestFleet();
    f.writeRoster(`version: 1\nagents:\n${standinAgents(f, ['a1', 'a2'])}`);
    expect((await f.fleet(['wake', 'a1'])).code).toBe(0);
    expect((await f.fleet(['wake', 'a2'])).code).toBe(0);
    tmux(f.socket, 'kill-session', '-t', '=a1');
    const mark = path.join(f.stateDir, 'agents', 'a2.new');
    fs.writeFileSync(mark, 'handoff written');
    tmux(f.socket, 'kill-session', '-t', '=a2');

    const { code, report } = await once(f);
    expect(code).toBe(0);
    expect(report.actions.map((a) => [a.name, a.action, a.result]).sort()).toEqual([
      ['a1', 'forget', 'done'],
      ['a2', 'relaunch', 'done'],
    ]);
    expect(fs.existsSync(wakeFile(f, 'a1'))).toBe(false);
    expect(sessions(f)).toEqual(['_holder', 'a2']);
    expect(fs.existsSync(mark)).toBe(false);
    expect(JSON.parse(fs.readFileSync(wakeFile(f, 'a2'), 'utf8'))).toMatchObject({ mode: 'fresh' });
    const dir = claudeProjectDir(f.cwd('a2'), { CLAUDE_CONFIG_DIR: f.claudeHome });
    await waitFor(() => fs.readdirSync(dir).length === 2, { what: 'a fresh transcript for a2' });
  });

  it('inside the cockpit it plans from the watcher\'s observation, and a stale one never acts', async () => {
    const f = makeTestFleet();
    f.writeRoster(`version: 1\nagents:\n${standinAgents(f, ['a1'])}`);
    expect((await f.fleet(['wake', 'a1'])).code).toBe(0);
    const runner = new ProcessTmuxRunner(f.socket);
    const ctx = openContext({ socket: f.socket, roster: f.roster, stateDir: f.stateDir, runner });
    const fresh = await ctx.tmux.observe();
    // a current observation: nothing to do, and no tmux process spawned for it
    const reuse = createSupervisor(ctx, { what: 'test', observation: () => fresh, files: () => null });
    const before = runner.spawned;
    const r1 = await reuse.tick();
    expect(r1).toMatchObject({ supervisor: true, actions: [] });
    expect(runner.spawned).toBe(before);
    reuse.release();
    // a stale observation in which a1's session is missing would "forget" it: replanned from tmux, nothing happens
    const stale = createSupervisor(ctx, { what: 'test', observation: (now) => ({ server: 'up', at: now, panes: new Map() }) });
    const r2 = await stale.tick();
    expect(r2.actions).toEqual([]);
    expect(runner.spawned).toBeGreaterThan(before);
    expect(fs.existsSync(wakeFile(f, 'a1'))).toBe(true);
    expect(sessions(f)).toContain('a1');
    stale.release();
  });

  it("inside the cockpit it plans from the watcher's transcript facts (no scan), and stale ones never reap", async () => {
    const f = makeTestFleet();
    f.writeRoster(`version: 1\nagents:\n${standinAgents(f, ['a1'])}`);
    expect((await f.fleet(['wake', 'a1'])).code).toBe(0); // fleet-woken: a reap candidate every tick
    const ctx = openContext({ socket: f.socket, roster: f.roster, stateDir: f.stateDir, runner: new ProcessTmuxRunner(f.socket) });
    const fresh = await ctx.tmux.observe();
    let scans = 0;
    const adapterFor: typeof realAdapterFor = (rt) => {
      const a = realAdapterFor(rt);
      return a && { ...a, scan: (...args: Parameters<typeof a.scan>) => (scans++, a.scan(...args)) };
    };
    const real = await realAdapterFor('claude')!.scan(ctx.roster.agents[0]!, { ...process.env, ...f.env });
    expect(real.lastActivityMs).not.toBeNull();
    // Current facts: nothing to do, and not one transcript scan.
    const reuse = createSupervisor(ctx, { what: 'test', deps: { adapterFor }, observation: () => fresh, files: () => null, transcripts: () => real });
    expect(await reuse.tick()).toMatchObject({ supervisor: true, actions: [] });
    expect(scans).toBe(0);
    reuse.release();
    // Stale facts saying a1 has been idle for ten hours would reap it: replanned from fresh scans, nothing happens.
    const old = Date.now() - 10 * 3600_000;
    const files = readAgentFiles(ctx.paths, 'a1');
    const staleFiles = new Map([['a1', { ...files, wake: { ...files.wake!, wokenAt: old } }]]); // woken ten hours ago
    const stale = createSupervisor(ctx, { what: 'test', deps: { adapterFor }, observation: () => fresh, files: () => staleFiles, transcripts: () => ({ ...real, lastActivityMs: old, turnOpen: false }) });
    expect((await stale.tick()).actions).toEqual([]);
    expect(scans).toBeGreaterThan(0);
    expect(sessions(f)).toContain('a1');
    stale.release();
  });

  it('one supervisor at a time: a live (even frozen) holder keeps the guard; a killed one is taken over', async () => {
    const f = makeTestFleet();
    f.writeRoster(`version: 1\nagents:\n${standinAgents(f, ['a1'])}`);
    const child = spawn(process.execPath, [FLEET_BIN, 'supervise', '--interval', '1'], { env: f.env, stdio: 'ignore' });
    try {
      const lock = path.join(f.stateDir, 'supervisor.lock');
      await waitFor(() => fs.existsSync(lock) && JSON.parse(fs.readFileSync(lock, 'utf8')).pid === child.pid, { timeoutMs: 20_000, what: 'the first supervisor holds the guard' });

      const viewer = await once(f);
      expect(viewer.code).toBe(1);
      expect(viewer.report).toMatchObject({ supervisor: false, holder: { pid: child.pid } });

      // frozen like an operator's long attach: no heartbeat, but alive → not stolen
      child.kill('SIGSTOP');
      const frozen = await once(f);
      expect(frozen.report).toMatchObject({ supervisor: false, holder: { pid: child.pid } });
      child.kill('SIGCONT');

      child.kill('SIGKILL');
      await waitFor(() => child.exitCode !== null || child.signalCode !== null, { what: 'supervisor killed' });
      expect(fs.existsSync(lock)).toBe(true); // a crashed holder leaves its guard behind
      const next = await once(f);
      expect(next.code).toBe(0);
      expect(next.report.supervisor).toBe(true);
      expect(next.report.holder?.pid).not.toBe(child.pid);
    } finally {
      child.kill('SIGKILL');
    }
  });

  it('rejects a bad --interval (exit 2)', async () => {
    const f = makeTestFleet();
    f.writeRoster(`version: 1\nagents:\n${standinAgents(f, ['a1'])}`);
    const r = await f.fleet(['supervise', '--interval', 'soon']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('--interval must be a positive number');
  });
});
