/**
 * Faults: concurrency. Several fleet processes at once (CLI verbs, supervisors): one session per
 * agent, one supervisor per state dir, no double reap, a supervisor killed -9 is taken over, and a
 * wake racing a stop never leaves a stopped agent running.
 */
import fs from 'node:fs';
import { spawn, type ChildProcess } from 'node:child_process';
import { afterEach, describe, expect, test } from 'vitest';
import { statePaths } from '../../src/state/paths.js';
import { makeTestFleet, standinAgents, type TestFleet } from '../helpers/fleet-env.js';
import { FLEET_BIN, tmux, waitFor } from '../helpers/tmux.js';
import { roster, runFleet, startCockpit } from './helpers.js';

const children: ChildProcess[] = [];
afterEach(() => {
  for (const c of children.splice(0)) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
});

/** A long-running fleet process whose stdout is collected. */
function spawnFleet(f: TestFleet, args: string[]): { child: ChildProcess; out: () => string } {
  const child = spawn(process.execPath, [FLEET_BIN, ...args], { env: f.env, stdio: ['ignore', 'pipe', 'pipe'] });
  children.push(child);
  let out = '';
  child.stdout?.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr?.on('data', (d: Buffer) => (out += d.toString()));
  return { child, out: () => out };
}

function sessions(f: TestFleet): string[] {
  try {
    return tmux(f.socket, 'list-sessions', '-F', '#{session_name}').trim().split('\n').filter((s) => s && !s.startsWith('_')); // _holder, _ctl: fleet's own
  } catch {
    return [];
  }
}

function standinFleet(names: string[], head = ''): TestFleet {
  const f = makeTestFleet();
  f.writeRoster(roster(standinAgents(f, names), head));
  return f;
}

describe('concurrent verbs', () => {
  test('CLI verbs at once (3 wakes of each of 3 agents + ls + supervise --once): exactly one session per agent', async () => {
    const names = ['c1', 'c2', 'c3'];
    const f = standinFleet(names);
    const runs = [
      ...names.flatMap((n) => [runFleet(f, ['wake', n, '--json']), runFleet(f, ['wake', n, '--json']), runFleet(f, ['wake', n, '--json'])]),
      runFleet(f, ['ls', '--json']),
      runFleet(f, ['supervise', '--once', '--json']),
    ];
    const results = await Promise.all(runs);
    for (const r of results.slice(0, 9)) {
      expect(r.code, r.stderr).toBe(0);
      expect(['ready', 'already-live']).toContain(JSON.parse(r.stdout).outcome);
    }
    expect(sessions(f).sort()).toEqual(names);
    const outcomes = results.slice(0, 9).map((r) => JSON.parse(r.stdout).outcome as string);
    expect(outcomes.filter((o) => o === 'ready')).toHaveLength(3);
  }, 90_000);

  test('wake racing stop: a stopped agent is never left running (3 rounds)', async () => {
    const f = standinFleet(['r1']);
    const p = statePaths(f.stateDir);
    for (let round = 0; round < 3; round++) {
      await runFleet(f, ['start', 'r1']);
      const [w, s] = await Promise.all([runFleet(f, ['wake', 'r1', '--no-wait']), runFleet(f, ['stop', 'r1'])]);
      expect([0, 1]).toContain(w.code);
      // stop either killed it, or said plainly that a wake held the lock and to run stop again
      if (s.code !== 0) {
        expect(s.stderr).toMatch(/run fleet stop r1 again/);
        expect((await runFleet(f, ['stop', 'r1'])).code).toBe(0);
      }
      expect(fs.existsSync(p.stopped('r1'))).toBe(true);
      await waitFor(() => !sessions(f).includes('r1'), { timeoutMs: 10_000, what: `round ${round}: r1 gone after stop` });
      const ls = JSON.parse((await runFleet(f, ['ls', '--json'])).stdout) as { name: string; state: string }[];
      expect(ls[0]?.state).toBe('stopped');
    }
    const again = await runFleet(f, ['wake', 'r1']);
    expect(again.code).toBe(1);
    expect(again.stderr).toMatch(/stopped/);
    expect(sessions(f)).not.toContain('r1');
  }, 120_000);
});

describe('one supervisor', () => {
  test('two supervisors at once: exactly one supervises, the other says it is a viewer and names the holder pid', async () => {
    const f = standinFleet(['s1']);
    const a = spawnFleet(f, ['supervise', '--interval', '1']);
    await waitFor(() => /supervising/.test(a.out()), { timeoutMs: 15_000, what: 'first supervisor' });
    const b = spawnFleet(f, ['supervise', '--interval', '1']);
    await waitFor(() => /viewer/.test(b.out()), { timeoutMs: 15_000, what: 'second is a viewer' });
    expect(b.out()).toContain(`pid ${a.child.pid}`);
    expect(b.out()).not.toMatch(/supervising/);
  }, 60_000);

  test('a supervisor killed -9: its guard is taken over by the waiting one', async () => {
    const f = standinFleet(['s1']);
    const a = spawnFleet(f, ['supervise', '--interval', '1']);
    await waitFor(() => /supervising/.test(a.out()), { timeoutMs: 15_000, what: 'first supervisor' });
    const b = spawnFleet(f, ['supervise', '--interval', '1']);
    await waitFor(() => /viewer/.test(b.out()), { timeoutMs: 15_000, what: 'second is a viewer' });
    a.child.kill('SIGKILL');
    await waitFor(() => /supervising/.test(b.out()), { timeoutMs: 20_000, what: 'takeover' });
    const holder = JSON.parse(fs.readFileSync(statePaths(f.stateDir).supervisorLock, 'utf8')) as { pid: number };
    expect(holder.pid).toBe(b.child.pid);
  }, 60_000);

  test('a supervisor guard file holding garbage (an old crash) is taken over, not a permanent block', async () => {
    const f = standinFleet(['s1']);
    fs.mkdirSync(statePaths(f.stateDir).agentsDir, { recursive: true, mode: 0o700 });
    fs.chmodSync(f.stateDir, 0o700);
    const lock = statePaths(f.stateDir).supervisorLock;
    fs.writeFileSync(lock, '\u0000{garbage', { mode: 0o600 });
    const old = (Date.now() - 60_000) / 1000;
    fs.utimesSync(lock, old, old);
    const r = await runFleet(f, ['supervise', '--once', '--json']);
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(JSON.parse(r.stdout.trim().split('\n').pop()!).supervisor).toBe(true);
  }, 30_000);

  test('a guard held by a live process is never stolen: supervise --once as a viewer exits 1 naming it', async () => {
    const f = standinFleet(['s1']);
    const a = spawnFleet(f, ['supervise', '--interval', '1']);
    await waitFor(() => /supervising/.test(a.out()), { timeoutMs: 15_000, what: 'first supervisor' });
    const r = await runFleet(f, ['supervise', '--once']);
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(new RegExp(`viewer: supervised by pid ${a.child.pid}`));
  }, 60_000);

  test('no double reap: two supervise --once at once reap an idle agent exactly once', async () => {
    const f = standinFleet(['i1'], 'defaults: { busyWindowSecs: 1, idleSecs: 1, attachGraceSecs: 0 }\n');
    const w = await runFleet(f, ['wake', 'i1', '--json']);
    expect(w.code, w.stderr).toBe(0);
    await waitFor(async () => JSON.parse((await runFleet(f, ['ls', '--json'])).stdout)[0].state === 'idle', { timeoutMs: 20_000, what: 'i1 idle' });
    await new Promise((r) => setTimeout(r, 1500)); // past idleSecs (a threshold, not a correctness wait)
    const [a, b] = await Promise.all([runFleet(f, ['supervise', '--once', '--json']), runFleet(f, ['supervise', '--once', '--json'])]);
    const reports = [a, b].map((r) => JSON.parse(r.stdout.trim().split('\n').pop()!) as { supervisor: boolean; actions: { name: string; action: string; result: string }[] });
    const reaps = reports.flatMap((r) => r.actions).filter((x) => x.name === 'i1' && x.action === 'reap' && x.result === 'done');
    // either one of the two reaped it, or they ran one after the other and the second found it asleep
    expect(reaps).toHaveLength(1);
    await waitFor(() => !sessions(f).includes('i1'), { timeoutMs: 10_000, what: 'i1 reaped' });
  }, 90_000);
});

describe('two cockpits', () => {
  const role = (screen: string): string | undefined => /^fleet \S+ (supervisor|viewer)/m.exec(screen)?.[1];

  test('two cockpits plus CLI verbs: one supervisor, one viewer; the CLI supervisor defers to the cockpit; a CLI wake shows in both', async () => {
    const f = standinFleet(['v1', 'v2']);
    const a = startCockpit(f);
    await waitFor(() => role(a.screen()) === 'supervisor', { timeoutMs: 20_000, what: 'first cockpit supervises' });
    const b = startCockpit(f);
    await waitFor(() => role(b.screen()) === 'viewer', { timeoutMs: 20_000, what: 'second cockpit is a viewer' });
    const sup = await runFleet(f, ['supervise', '--once']);
    expect(sup.code).toBe(1);
    expect(sup.stdout).toMatch(new RegExp(`viewer: supervised by pid ${a.cockpitPid()}`));
    expect((await runFleet(f, ['wake', 'v1'])).code).toBe(0);
    const live = (s: string): boolean => /^\S*\s+v1\s+claude\s+(booting|busy|idle)/m.test(s);
    await waitFor(() => live(a.screen()) && live(b.screen()), { timeoutMs: 20_000, what: 'both cockpits show v1 live' });
    expect(sessions(f)).toEqual(['v1']);
    expect(role(a.screen())).toBe('supervisor');
    expect(role(b.screen())).toBe('viewer');
  }, 90_000);

  test('the supervising cockpit killed -9: the viewer cockpit takes the guard over', async () => {
    const f = standinFleet(['v1']);
    const a = startCockpit(f);
    await waitFor(() => role(a.screen()) === 'supervisor', { timeoutMs: 20_000, what: 'first cockpit supervises' });
    const b = startCockpit(f);
    await waitFor(() => role(b.screen()) === 'viewer', { timeoutMs: 20_000, what: 'second cockpit is a viewer' });
    process.kill(a.cockpitPid()!, 'SIGKILL');
    await waitFor(() => role(b.screen()) === 'supervisor', { timeoutMs: 30_000, what: 'viewer takes over' });
  }, 90_000);
});
