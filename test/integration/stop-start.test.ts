import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { makeTestFleet, standinAgents, type TestFleet } from '../helpers/fleet-env.js';
import { tmux } from '../helpers/tmux.js';

function sessions(f: TestFleet): string[] {
  try {
    return tmux(f.socket, 'list-sessions', '-F', '#{session_name}').trim().split('\n').filter(Boolean).sort();
  } catch {
    return [];
  }
}

describe('fleet stop / start', () => {
  it('stop kills only =name (not a prefix sibling, never the server) and writes the durable flag', async () => {
    const f = makeTestFleet();
    f.writeRoster(`version: 1\nagents:\n${standinAgents(f, ['a1', 'a1b'])}`);
    expect((await f.fleet(['wake', 'a1'])).code).toBe(0);
    expect((await f.fleet(['wake', 'a1b'])).code).toBe(0);
    const serverPid = tmux(f.socket, 'display-message', '-p', '#{pid}').trim();

    const r = await f.fleet(['stop', 'a1', '--json']);
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout)).toEqual({ name: 'a1', outcome: 'stopped', killed: true });
    expect(sessions(f)).toEqual(['_holder', 'a1b']);
    expect(tmux(f.socket, 'display-message', '-p', '#{pid}').trim()).toBe(serverPid);
    const flag = path.join(f.stateDir, 'agents', 'a1.stopped');
    expect(fs.existsSync(flag)).toBe(true);
    expect((fs.statSync(flag).mode & 0o777).toString(8)).toBe('600');
    expect(fs.existsSync(path.join(f.stateDir, 'agents', 'a1.wake.json'))).toBe(false);

    // ls shows it stopped; wake refuses until start
    const ls = JSON.parse((await f.fleet(['ls', '--json'])).stdout) as { name: string; state: string }[];
    expect(ls.find((x) => x.name === 'a1')?.state).toBe('stopped');
    expect((await f.fleet(['wake', 'a1'])).code).toBe(1);

    const s = await f.fleet(['start', 'a1', '--json']);
    expect(s.code).toBe(0);
    expect(JSON.parse(s.stdout)).toEqual({ name: 'a1', outcome: 'started' });
    expect(fs.existsSync(flag)).toBe(false);
    expect(sessions(f)).toEqual(['_holder', 'a1b']); // start alone does not wake
    expect((await f.fleet(['wake', 'a1'])).code).toBe(0);
  });

  it('stopping the last agent keeps the server (holder) alive; stop of an asleep agent still stops it', async () => {
    const f = makeTestFleet();
    f.writeRoster(`version: 1\nagents:\n${standinAgents(f, ['a1', 'a2'])}`);
    expect((await f.fleet(['wake', 'a1'])).code).toBe(0);
    expect((await f.fleet(['stop', 'a1'])).code).toBe(0);
    expect(sessions(f)).toEqual(['_holder']);
    const r = await f.fleet(['stop', 'a2']);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('a2: stopped — it had no session');
    expect(fs.existsSync(path.join(f.stateDir, 'agents', 'a2.stopped'))).toBe(true);
  });

  it('start --wake clears the flag and wakes; start of a running agent says so; external is refused', async () => {
    const f = makeTestFleet();
    f.writeRoster(`version: 1\nagents:\n${standinAgents(f, ['a1'])}${standinAgents(f, ['ext1'], '    managed: external\n')}`);
    expect((await f.fleet(['stop', 'a1'])).code).toBe(0);
    const r = await f.fleet(['start', 'a1', '--wake', '--json']);
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ name: 'a1', outcome: 'ready', wake: { outcome: 'ready', mode: 'fresh' } });
    expect(sessions(f)).toContain('a1');
    const again = await f.fleet(['start', 'a1']);
    expect(again.code).toBe(0);
    expect(again.stdout).toContain('a1: not stopped');

    tmux(f.socket, 'new-session', '-d', '-s', 'ext1', 'sleep 600');
    const st = await f.fleet(['stop', 'ext1']);
    expect(st.code).toBe(1);
    expect(st.stderr).toMatch(/managed externally/);
    expect(sessions(f)).toContain('ext1');
    expect(fs.existsSync(path.join(f.stateDir, 'agents', 'ext1.stopped'))).toBe(false);
    expect((await f.fleet(['stop', 'nope'])).code).toBe(2);
  });
});
