import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { makeTestFleet, standinAgents, transcriptFiles, userTurns, type TestFleet } from '../helpers/fleet-env.js';
import { STANDIN, tmux, waitFor } from '../helpers/tmux.js';

function sessions(f: TestFleet): string[] {
  try {
    return tmux(f.socket, 'list-sessions', '-F', '#{session_name}').trim().split('\n').filter(Boolean);
  } catch {
    return [];
  }
}

const transcripts = transcriptFiles;

const roster = (f: TestFleet, body: string, defaults = 'bootDeadlineSecs: 20'): void =>
  f.writeRoster(`version: 1\ndefaults: { ${defaults} }\nagents:\n${body}`);

describe('fleet wake', () => {
  it('5 parallel wakes of one agent spawn exactly one session; the others report already live', async () => {
    const f = makeTestFleet();
    roster(f, standinAgents(f, ['a1']));
    const results = await Promise.all([1, 2, 3, 4, 5].map(() => f.fleet(['wake', 'a1', '--json'])));
    for (const r of results) expect(r.code, r.stderr).toBe(0);
    const outcomes = results.map((r) => (JSON.parse(r.stdout) as { outcome: string }).outcome).sort();
    expect(outcomes).toEqual(['already-live', 'already-live', 'already-live', 'already-live', 'ready']);
    expect(sessions(f).sort()).toEqual(['_holder', 'a1']);
    expect(transcripts(f, 'a1')).toHaveLength(1); // one agent process ever started
    expect(fs.existsSync(path.join(f.stateDir, 'agents', 'a1.wake.lock'))).toBe(false);
  });

  it('refuses a stopped agent: exit 1, "stopped — run fleet start", no session', async () => {
    const f = makeTestFleet();
    roster(f, standinAgents(f, ['a1']));
    expect((await f.fleet(['stop', 'a1'])).code).toBe(0);
    const r = await f.fleet(['wake', 'a1']);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('a1 is stopped — run fleet start a1');
    expect(sessions(f)).not.toContain('a1');
    const j = await f.fleet(['wake', 'a1', '--json']);
    expect(j.code).toBe(1);
    expect(JSON.parse(j.stdout)).toMatchObject({ name: 'a1', outcome: 'refused', stopped: true });
  });

  it('refuses an external agent, and an unknown name is a usage error (exit 2)', async () => {
    const f = makeTestFleet();
    roster(f, standinAgents(f, ['ext1'], '    managed: external\n') + standinAgents(f, ['a1']));
    const r = await f.fleet(['wake', 'ext1']);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/ext1 is managed externally/);
    expect(sessions(f)).not.toContain('ext1');
    const u = await f.fleet(['wake', 'a2']);
    expect(u.code).toBe(2);
    expect(u.stderr).toMatch(/unknown agent "a2".*did you mean a1/);
    const both = await f.fleet(['wake', 'a1', '--fresh', '--resume']);
    expect(both.code).toBe(2);
    expect(both.stderr).toMatch(/exclude each other/);
    expect(sessions(f)).toEqual([]);
  });

  it('explicit --resume with no transcript fails loudly (exit 1) and starts nothing', async () => {
    const f = makeTestFleet();
    roster(f, standinAgents(f, ['a1']));
    const r = await f.fleet(['wake', 'a1', '--resume', '--json']);
    expect(r.code).toBe(1);
    expect(JSON.parse(r.stdout)).toMatchObject({ outcome: 'failed', reason: expect.stringContaining('nothing to resume') });
    expect(sessions(f)).not.toContain('a1');
  });

  it('resumes by default when a transcript exists; a /new mark forces fresh and is consumed', async () => {
    const f = makeTestFleet();
    roster(f, standinAgents(f, ['a1']));
    const first = await f.fleet(['wake', 'a1', '--json']);
    expect(JSON.parse(first.stdout)).toMatchObject({ outcome: 'ready', mode: 'fresh' });
    tmux(f.socket, 'kill-session', '-t', '=a1');

    const again = await f.fleet(['wake', 'a1', '--json']);
    expect(again.code, again.stderr).toBe(0);
    expect(JSON.parse(again.stdout)).toMatchObject({ outcome: 'ready', mode: 'resume' });
    expect(transcripts(f, 'a1')).toHaveLength(1); // --continue reopened the same session file
    tmux(f.socket, 'kill-session', '-t', '=a1');

    const mark = path.join(f.stateDir, 'agents', 'a1.new');
    fs.writeFileSync(mark, 'x');
    const fresh = await f.fleet(['wake', 'a1', '--json']);
    expect(JSON.parse(fresh.stdout)).toMatchObject({ outcome: 'ready', mode: 'fresh' });
    expect(fs.existsSync(mark)).toBe(false);
    expect(transcripts(f, 'a1')).toHaveLength(2);
  });

  it('a fresh wake sends the kickstart, then the task; launches in the agent\'s cwd with its env; holder first', async () => {
    const f = makeTestFleet();
    const cwd = f.cwd('a1');
    roster(
      f,
      `  - name: a1\n    runtime: claude\n    cwd: ${cwd}\n    command: printf %s "$FLEET_T_VAR" > env.txt; exec node ${STANDIN} --work-ms 300\n` +
        `    kickstart: "read the kickstart"\n    env: { FLEET_T_VAR: "from-roster" }\n`,
    );
    const r = await f.fleet(['wake', 'a1', '--task', 'do the task', '--json']);
    expect(r.code, r.stderr).toBe(0);
    const j = JSON.parse(r.stdout);
    expect(j).toMatchObject({ outcome: 'ready', mode: 'fresh', kickstart: { state: 'delivered' }, task: { state: 'delivered' } });
    const [file] = transcripts(f, 'a1');
    expect(userTurns(file!)).toEqual(['read the kickstart', 'do the task']);
    expect(fs.readFileSync(path.join(cwd, 'env.txt'), 'utf8')).toBe('from-roster');
    expect(sessions(f)).toContain('_holder');
    const rec = JSON.parse(fs.readFileSync(path.join(f.stateDir, 'agents', 'a1.wake.json'), 'utf8'));
    expect(rec).toMatchObject({ mode: 'fresh', sessionId: expect.stringMatching(/^\$\d+$/), lastTask: 'do the task' });

    // a resume wake does not repeat the kickstart; a task to a live agent is delivered
    const live = await f.fleet(['wake', 'a1', '--task', 'second task', '--json']);
    expect(JSON.parse(live.stdout)).toMatchObject({ outcome: 'already-live', task: { state: 'delivered' } });
    await waitFor(() => userTurns(file!).length === 3, { what: 'second task recorded' });
    tmux(f.socket, 'kill-session', '-t', '=a1');
    const resumed = await f.fleet(['wake', 'a1', '--json']);
    expect(JSON.parse(resumed.stdout)).toMatchObject({ outcome: 'ready', mode: 'resume' });
    expect(JSON.parse(resumed.stdout).kickstart).toBeUndefined();
    expect(userTurns(file!)).toEqual(['read the kickstart', 'do the task', 'second task']);
  });

  it('FAILED with the reason when the transcript never moves; the session is left for inspection', async () => {
    const f = makeTestFleet();
    // No transcript, and the screen settles on something that is not a composer (a trust or login dialog).
    roster(f, `  - name: a1\n    runtime: claude\n    cwd: ${f.cwd('a1')}\n    command: "printf 'Do you trust the files in this folder?'; sleep 300"\n`, 'bootDeadlineSecs: 3');
    const r = await f.fleet(['wake', 'a1', '--json']);
    expect(r.code).toBe(1);
    expect(JSON.parse(r.stdout)).toMatchObject({ outcome: 'failed', reason: expect.stringContaining('no transcript activity within the boot deadline (3s)') });
    expect(JSON.parse(r.stdout).reason).toContain('Do you trust the files in this folder?');
    expect(r.stderr).toContain('a1: failed');
    expect(sessions(f)).toContain('a1');
  });

  it('FAILED when the agent exits during boot, with its status; a later wake replaces the dead pane', async () => {
    const f = makeTestFleet();
    const cwd = f.cwd('a1');
    roster(f, `  - name: a1\n    runtime: claude\n    cwd: ${cwd}\n    command: test -f ok || { echo cannot start; sleep 0.5; exit 3; }; exec node ${STANDIN}\n`);
    const r = await f.fleet(['wake', 'a1', '--json']);
    expect(r.code).toBe(1);
    const j = JSON.parse(r.stdout);
    expect(j.outcome).toBe('failed');
    // tmux reports the status (and the last screen lines) when it has them
    expect(j.reason).toMatch(/the agent exited/);
    fs.writeFileSync(path.join(cwd, 'ok'), '');
    const again = await f.fleet(['wake', 'a1', '--json']);
    expect(again.code, again.stdout).toBe(0);
    expect(JSON.parse(again.stdout)).toMatchObject({ outcome: 'ready' });
  });

  it('a wake lock left by a crashed process (dead pid, or garbage) does not block waking', async () => {
    const f = makeTestFleet();
    roster(f, standinAgents(f, ['a1', 'a2']));
    const agents = path.join(f.stateDir, 'agents');
    fs.mkdirSync(agents, { recursive: true, mode: 0o700 });
    fs.writeFileSync(path.join(agents, 'a1.wake.lock'), JSON.stringify({ pid: 999_999_999, start: '1', host: (await import('node:os')).hostname(), acquiredAt: 1, heartbeatAt: 1, what: 'fleet wake a1' }));
    fs.writeFileSync(path.join(agents, 'a2.wake.lock'), '\u0000garbage{');
    const old = new Date(Date.now() - 60_000);
    fs.utimesSync(path.join(agents, 'a2.wake.lock'), old, old);
    const r1 = await f.fleet(['wake', 'a1', '--json']);
    expect(r1.code, r1.stderr).toBe(0);
    const r2 = await f.fleet(['wake', 'a2', '--json']);
    expect(r2.code, r2.stderr).toBe(0);
    expect(sessions(f).sort()).toEqual(['_holder', 'a1', 'a2']);
  });
});
