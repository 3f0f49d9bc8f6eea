/**
 * Faults: tmux. The server dies, its socket goes stale or belongs to someone else, tmux is slow,
 * missing or prints garbage, TMUX points at another server. fleet says what is wrong, never crashes,
 * never touches another server, and recovers when tmux comes back.
 */
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, test } from 'vitest';
import { NameError } from '../../src/domain/names.js';
import { TmuxClient } from '../../src/tmux/client.js';
import type { RunOptions, RunResult, TmuxRunner } from '../../src/tmux/runner.js';
import { makeTestFleet, standinAgents, type TestFleet } from '../helpers/fleet-env.js';
import { killTestServer, testSocket, tmux, waitFor } from '../helpers/tmux.js';
import { controlBytes, fakeTmux, pathWith, roster, runFleet, shellAgent, startCockpit, waitScreen } from './helpers.js';

interface Row {
  name: string;
  state: string;
  session: string | null;
}

const LIVE = ['booting', 'busy', 'idle', 'waiting'];

function socketFile(socket: string): string {
  return path.join(process.env.TMUX_TMPDIR || '/tmp', `tmux-${process.getuid?.() ?? 0}`, socket);
}

function startSession(f: TestFleet, name: string, cmd = 'sleep 100000'): void {
  tmux(f.socket, 'new-session', '-d', '-s', name, '-x', '80', '-y', '24', cmd);
}

async function ls(f: TestFleet, env: Record<string, string | undefined> = {}): Promise<{ rows: Row[]; code: number; stderr: string }> {
  const r = await runFleet(f, ['ls', '--json'], { env });
  let rows: Row[] = [];
  try {
    rows = JSON.parse(r.stdout) as Row[];
  } catch {
    /* asserted by callers */
  }
  return { rows, code: r.code, stderr: r.stderr };
}

const stateOf = (rows: Row[], name: string): string | undefined => rows.find((r) => r.name === name)?.state;

/** A runner that records every call and answers from a function (no processes). */
class RecordingRunner implements TmuxRunner {
  calls: string[][] = [];
  inFlight = 0;
  maxInFlight = 0;
  constructor(private readonly answer: (args: readonly string[]) => Promise<RunResult> | RunResult) {}
  get spawned(): number {
    return this.calls.length;
  }
  async run(args: readonly string[], _opts?: RunOptions): Promise<RunResult> {
    this.calls.push([...args]);
    this.inFlight++;
    this.maxInFlight = Math.max(this.maxInFlight, this.inFlight);
    try {
      return await this.answer(args);
    } finally {
      this.inFlight--;
    }
  }
}

describe('tmux server faults', () => {
  test('no server yet: every agent is asleep, exit 0, and ls does not start a server', async () => {
    const f = makeTestFleet();
    f.writeRoster(roster(shellAgent(f, 'a1') + shellAgent(f, 'a2')));
    const r = await ls(f);
    expect(r.code).toBe(0);
    expect(r.rows.map((x) => [x.name, x.state])).toEqual([
      ['a1', 'asleep'],
      ['a2', 'asleep'],
    ]);
    expect(fs.existsSync(socketFile(f.socket))).toBe(false);
  });

  test('server killed under live agents: they show asleep (exit 0), and live again once the server returns', async () => {
    const f = makeTestFleet();
    f.writeRoster(roster(shellAgent(f, 'a1') + shellAgent(f, 'a2')));
    startSession(f, 'a1');
    startSession(f, 'a2');
    const up = await ls(f);
    expect(LIVE).toContain(stateOf(up.rows, 'a1'));
    expect(LIVE).toContain(stateOf(up.rows, 'a2'));
    killTestServer(f.socket);
    const down = await ls(f);
    expect(down.code).toBe(0);
    expect(down.rows.map((x) => x.state)).toEqual(['asleep', 'asleep']);
    startSession(f, 'a2');
    const back = await ls(f);
    expect(stateOf(back.rows, 'a1')).toBe('asleep');
    expect(LIVE).toContain(stateOf(back.rows, 'a2'));
  });

  test('a stale socket file (server killed -9): ls shows asleep promptly, doctor warns "stale" with the fix', async () => {
    const f = makeTestFleet();
    f.writeRoster(roster(shellAgent(f, 'a1')));
    startSession(f, 'a1');
    const pid = Number(tmux(f.socket, 'display-message', '-p', '#{pid}').trim());
    process.kill(pid, 'SIGKILL');
    await waitFor(() => {
      try {
        process.kill(pid, 0);
        return false;
      } catch {
        return true;
      }
    }, { what: 'tmux server to die' });
    expect(fs.existsSync(socketFile(f.socket))).toBe(true);
    const r = await ls(f);
    expect(r.code).toBe(0);
    expect(stateOf(r.rows, 'a1')).toBe('asleep');
    const doc = await runFleet(f, ['doctor', '--json']);
    const sock = (JSON.parse(doc.stdout) as { check: string; status: string; detail: string; fix?: string }[]).find((c) => c.check === 'socket');
    expect(sock?.status).toBe('warn');
    expect(sock?.detail).toMatch(/stale/);
    expect(sock?.fix).toContain(socketFile(f.socket));
    // the socket file is the operator's to remove: doctor never deletes it
    expect(fs.existsSync(socketFile(f.socket))).toBe(true);
  });

  test('a socket owned by another uid is refused by ls (non-zero exit, names the uid), its sessions never listed', async () => {
    const f = makeTestFleet();
    f.writeRoster(roster(shellAgent(f, 'a1')));
    startSession(f, 'a1');
    startSession(f, 'secret-of-other-user');
    fs.chownSync(socketFile(f.socket), 4242, 4242);
    const r = await runFleet(f, ['ls', '--json']);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toMatch(/uid 4242/);
    expect(r.stdout).not.toContain('secret-of-other-user');
  });

  test('doctor reports a socket owned by another uid as FAIL with a fix', async () => {
    const f = makeTestFleet();
    f.writeRoster(roster(shellAgent(f, 'a1')));
    startSession(f, 'a1');
    fs.chownSync(socketFile(f.socket), 4242, 4242);
    const r = await runFleet(f, ['doctor', '--json']);
    expect(r.code).toBe(1);
    const sock = (JSON.parse(r.stdout) as { check: string; status: string; detail: string; fix?: string }[]).find((c) => c.check === 'socket');
    expect(sock?.status).toBe('fail');
    expect(sock?.detail).toMatch(/owned by uid 4242/);
    expect(sock?.fix).toMatch(/another --socket/);
  });

  test('a dead pane (agent exited 3) shows as dead, not asleep or idle', async () => {
    const f = makeTestFleet();
    f.writeRoster(roster(shellAgent(f, 'a1')));
    tmux(f.socket, 'new-session', '-d', '-s', 'a1', 'sleep 100000');
    tmux(f.socket, 'set-option', '-t', '=a1:', 'remain-on-exit', 'on');
    tmux(f.socket, 'respawn-pane', '-k', '-t', '=a1:', 'exit 3');
    await waitFor(async () => stateOf((await ls(f)).rows, 'a1') === 'dead', { timeoutMs: 15_000, what: 'a1 dead' });
  });

  test('exact targets: a session "a10" never stands in for roster agent "a1", and the holder is never a stray', async () => {
    const f = makeTestFleet();
    f.writeRoster(roster(shellAgent(f, 'a1')));
    startSession(f, 'a10');
    startSession(f, '_holder');
    const r = await ls(f);
    expect(r.rows.map((x) => [x.name, x.state])).toEqual([
      ['a1', 'asleep'],
      ['a10', 'stray'],
    ]);
  });

  test('fleet ls neither creates nor kills sessions on the server', async () => {
    const f = makeTestFleet();
    f.writeRoster(roster(shellAgent(f, 'a1') + shellAgent(f, 'a2')));
    startSession(f, 'a1');
    startSession(f, 'stray1');
    const before = tmux(f.socket, 'list-sessions', '-F', '#{session_id} #{session_name}');
    for (let i = 0; i < 3; i++) await ls(f);
    expect(tmux(f.socket, 'list-sessions', '-F', '#{session_id} #{session_name}')).toBe(before);
  });
});

describe('tmux binary faults', () => {
  test('tmux missing from PATH: ls says tmux is not found (non-zero exit) instead of showing a silently empty fleet', async () => {
    const f = makeTestFleet();
    f.writeRoster(roster(shellAgent(f, 'a1')));
    const r = await runFleet(f, ['ls'], { env: { PATH: '/nonexistent-bin' } });
    expect(r.code).not.toBe(0);
    expect(r.stderr).toMatch(/tmux not found on PATH/);
  });

  test('tmux missing from PATH: doctor fails the tmux check with an install hint', async () => {
    const f = makeTestFleet();
    f.writeRoster(roster(shellAgent(f, 'a1')));
    const r = await runFleet(f, ['doctor', '--json'], { env: { PATH: '/nonexistent-bin' } });
    expect(r.code).toBe(1);
    const t = (JSON.parse(r.stdout) as { check: string; status: string; fix?: string }[]).find((c) => c.check === 'tmux');
    expect(t?.status).toBe('fail');
    expect(t?.fix).toMatch(/install tmux/);
  });

  test('a hung tmux: ls gives up after its timeout, says tmux timed out, and does not hang', async () => {
    const f = makeTestFleet();
    f.writeRoster(roster(shellAgent(f, 'a1')));
    const fake = fakeTmux('hang', { sleepSecs: 60 });
    const r = await runFleet(f, ['ls'], { env: { PATH: pathWith(fake.dir) }, timeoutMs: 40_000 });
    expect(r.ms).toBeLessThan(20_000);
    expect(r.stderr).toMatch(/timed out/);
    expect(fake.calls()).toHaveLength(1);
  }, 45_000);

  test('tmux printing garbage (with escape sequences): ls does not crash and none of it reaches the terminal', async () => {
    const f = makeTestFleet();
    f.writeRoster(roster(shellAgent(f, 'a1')));
    const fake = fakeTmux('garbage', { garbage: 'hello\u001b]52;c;cHduZWQ=\u0007\n:|::|::|:\n\u001b[2J\u009b31m\r\n' });
    const r = await runFleet(f, ['ls'], { env: { PATH: pathWith(fake.dir) } });
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/a1\s+shell\s+asleep/);
    expect(controlBytes(r.raw)).toEqual([]);
  });

  test('one tmux process per ls, however many agents (no fork storm): 60 agents, 1 list-panes call', async () => {
    const f = makeTestFleet();
    const names = Array.from({ length: 60 }, (_, i) => `a${i}`);
    f.writeRoster(roster(names.map((n) => shellAgent(f, n)).join('')));
    startSession(f, 'a1');
    const fake = fakeTmux('pass');
    const r = await runFleet(f, ['ls', '--json'], { env: { PATH: pathWith(fake.dir) } });
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toHaveLength(60);
    const calls = fake.calls();
    expect(calls).toHaveLength(1);
    expect(calls[0]?.argv).toContain('list-panes');
  });

  test('TMUX set to another server: every tmux call carries -L <socket>, sees no TMUX, and the other server is untouched', async () => {
    const f = makeTestFleet();
    f.writeRoster(roster(shellAgent(f, 'a1')));
    const decoy = testSocket();
    try {
      tmux(decoy, 'new-session', '-d', '-s', 'a1', 'sleep 100000');
      const decoyPath = socketFile(decoy);
      const fake = fakeTmux('pass');
      const r = await ls(f, { PATH: pathWith(fake.dir), TMUX: `${decoyPath},1,0`, TMUX_PANE: '%0' });
      expect(r.code).toBe(0);
      expect(stateOf(r.rows, 'a1')).toBe('asleep'); // the decoy's a1 is not ours
      for (const c of fake.calls()) {
        expect(c.tmuxEnv).toBe('');
        expect(c.argv.slice(0, 3)).toEqual(['-u', '-L', f.socket]);
      }
      expect(tmux(decoy, 'list-sessions', '-F', '#{session_name}').trim()).toBe('a1');
    } finally {
      killTestServer(decoy);
    }
  });
});

describe('tmux client guards', () => {
  test.each(['x#(touch /tmp/fleet-pwned)', 'a.b', 'a:b', '-t', '=a1', ''])(
    'TmuxClient refuses session name %j before any tmux process runs',
    async (name) => {
      const runner = new RecordingRunner(() => ({ stdout: '', stderr: '', exitCode: 0, timedOut: false }));
      const c = new TmuxClient(testSocket(), runner);
      await expect(c.newSession({ name, cwd: '/tmp', command: 'true' })).rejects.toBeInstanceOf(NameError);
      await expect(c.killSession(name)).rejects.toBeInstanceOf(NameError);
      await expect(c.paste(name, 'x')).rejects.toBeInstanceOf(NameError);
      expect(runner.calls).toEqual([]);
    },
  );

  test.each(['default', '../x', 'a/b', ''])('TmuxClient refuses socket name %j (never the default server, never a path)', (sock) => {
    expect(() => new TmuxClient(sock)).toThrow(/socket name/);
  });

  test('a tmux timeout is an observation ("down" with the reason), never an exception', async () => {
    const runner = new RecordingRunner(() => ({ stdout: '', stderr: '', exitCode: 124, timedOut: true }));
    const c = new TmuxClient(testSocket(), runner);
    const obs = await c.observe(1000);
    expect(obs.server).toBe('down');
    expect(obs.server === 'down' && obs.reason).toMatch(/timed out/);
  });

  test('every session and pane command uses an exact target (=name / =name:)', async () => {
    const runner = new RecordingRunner(() => ({ stdout: '$1 %1\n', stderr: '', exitCode: 0, timedOut: false }));
    const c = new TmuxClient(testSocket(), runner);
    await c.hasSession('a1');
    await c.killSession('a1');
    await c.sendKeys('a1', 'Enter');
    await c.capturePane('a1');
    await c.paste('a1', 'hello');
    const targets = runner.calls.flatMap((a) => a.flatMap((x, i) => (a[i - 1] === '-t' ? [x] : [])));
    expect(targets.length).toBeGreaterThanOrEqual(5);
    for (const t of targets) expect(t).toMatch(/^=a1:?$/);
  });
});

describe('under a running cockpit', () => {
  const rowState = (screen: string, name: string): string | undefined => new RegExp(`^\\S*\\s+${name}\\s+\\S+\\s+(\\S+)`, 'm').exec(screen)?.[1];

  test('tmux server killed under the cockpit: a banner, no crash, agents asleep; recovery when a server returns', async () => {
    const f = makeTestFleet();
    f.writeRoster(roster(standinAgents(f, ['a1', 'a2'])));
    expect((await runFleet(f, ['wake', 'a1'])).code).toBe(0);
    const c = startCockpit(f);
    await waitScreen(c, (sc) => LIVE.includes(rowState(sc, 'a1') ?? ''), 'cockpit shows a1 live', 20_000);
    const pid = c.cockpitPid();
    killTestServer(f.socket);
    try {
      await waitScreen(c, (sc) => /tmux server/.test(sc) && rowState(sc, 'a1') === 'asleep', 'banner and a1 asleep', 20_000);
    } catch (e) {
      // say whether something started a server again behind the banner's back (what, with which sessions)
      let sessions: string;
      try {
        sessions = tmux(f.socket, 'list-sessions', '-F', '#{session_name}').trim();
      } catch {
        sessions = '(no server)';
      }
      throw new Error(`${(e as Error).message}\n--- sessions on ${f.socket} ---\n${sessions}`, { cause: e });
    }
    expect(c.cockpitPid()).toBe(pid);
    expect((await runFleet(f, ['wake', 'a2'])).code).toBe(0);
    await waitScreen(c, (sc) => LIVE.includes(rowState(sc, 'a2') ?? '') && !/tmux server/.test(sc), 'a2 live, banner gone', 20_000);
    expect(rowState(c.screen(), 'a1')).toBe('asleep');
    expect(c.cockpitPid()).toBe(pid);
  }, 90_000);

  test('a slow tmux (2 s per call) under the polling cockpit: no pile-up of list-panes (at most one in flight per observer), no fork storm', async () => {
    const f = makeTestFleet();
    f.writeRoster(roster(shellAgent(f, 'a1') + shellAgent(f, 'a2')));
    startSession(f, 'a1');
    const fake = fakeTmux('slow', { sleepSecs: 2 });
    const t0 = Date.now();
    const c = startCockpit(f, [], { PATH: pathWith(fake.dir), FLEET_TMUX_SOURCE: 'poll' });
    await waitScreen(c, (sc) => /a1/.test(sc), 'cockpit up', 30_000);
    const up = Date.now();
    await waitFor(() => fake.calls().filter((x) => x.argv.includes('list-panes')).length >= 5, { timeoutMs: 40_000, what: 'five polls' });
    await waitFor(() => Date.now() - up > 8_000, { timeoutMs: 12_000, intervalMs: 500 });
    // Independent observers (the grid's poller, the screen checker's settle check, the supervisor's
    // replan) each keep at most one call in flight: a constant bound, never a pile-up behind a slow tmux.
    expect(fake.maxInFlight(/list-panes/, up)).toBeLessThanOrEqual(3);
    // every call takes >= 2 s and no observer starts another before its own returns
    const secs = (Date.now() - t0) / 1000;
    expect(fake.calls().filter((x) => x.argv.includes('list-panes')).length).toBeLessThanOrEqual(Math.ceil(secs * 1.5) + 3);
    expect(c.cockpitPid()).not.toBeNull();
  }, 120_000);

  test('a cockpit running inside the operator\'s own tmux (TMUX set): a wake from the grid lands on the fleet socket only', async () => {
    const f = makeTestFleet();
    f.writeRoster(roster(standinAgents(f, ['a1'])));
    const c = startCockpit(f);
    expect(c.tmuxEnv()).toContain(c.viewSocket);
    await waitScreen(c, (sc) => rowState(sc, 'a1') === 'asleep', 'grid', 20_000);
    c.keys('w');
    await waitScreen(c, (sc) => LIVE.includes(rowState(sc, 'a1') ?? ''), 'a1 woken', 30_000);
    expect(tmux(f.socket, 'list-sessions', '-F', '#{session_name}')).toMatch(/^a1$/m);
    expect(tmux(c.viewSocket, 'list-sessions', '-F', '#{session_name}').trim()).toBe('view');
  }, 60_000);
});
