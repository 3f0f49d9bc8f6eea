import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { openContext } from '../../src/context.js';
import { prepareAttach } from '../../src/lifecycle/index.js';
import { makeTestFleet, standinAgents, type TestFleet } from '../helpers/fleet-env.js';
import { FLEET_BIN, killTestServer, testSocket, tmux, waitFor } from '../helpers/tmux.js';

const wakeRec = (f: TestFleet, n: string): { attachedAt?: number } => JSON.parse(fs.readFileSync(path.join(f.stateDir, 'agents', `${n}.wake.json`), 'utf8'));

describe('fleet attach', () => {
  it('wakes an asleep agent, attaches the terminal, and returns when the operator detaches (C-b d)', async () => {
    const f = makeTestFleet();
    f.writeRoster(`version: 1\nagents:\n${standinAgents(f, ['a1'])}`);
    const outer = testSocket(); // the operator's own terminal: a tmux server of its own
    try {
      const env = ['FLEET_ROSTER', 'FLEET_STATE_DIR', 'FLEET_SOCKET', 'CLAUDE_CONFIG_DIR'].flatMap((k) => ['-e', `${k}=${f.env[k]}`]);
      const before = Date.now();
      tmux(outer, 'new-session', '-d', '-s', 'op', '-x', '120', '-y', '40', ...env, `${process.execPath} ${FLEET_BIN} attach a1; echo ATTACH-RC=$?; sleep 600`);
      // inside the operator's terminal the agent's screen shows up, through a client of the fleet server
      await waitFor(() => tmux(outer, 'capture-pane', '-p', '-t', '=op:').includes('standin'), { timeoutMs: 20_000, what: 'agent screen in the outer pane' });
      await waitFor(() => tmux(f.socket, 'list-clients', '-F', '#{client_session}').trim() === 'a1', { what: 'a client on a1' });
      expect(wakeRec(f, 'a1').attachedAt).toBeGreaterThanOrEqual(before);

      const attachedAt = wakeRec(f, 'a1').attachedAt!;
      await waitFor(() => Date.now() > attachedAt + 5, { what: 'clock moved' });
      tmux(outer, 'send-keys', '-t', '=op:', 'C-b', 'd');
      await waitFor(() => tmux(outer, 'capture-pane', '-p', '-t', '=op:').includes('ATTACH-RC=0'), { timeoutMs: 20_000, what: 'fleet attach returned' });
      expect(tmux(f.socket, 'list-clients').trim()).toBe('');
      expect(tmux(f.socket, 'list-sessions', '-F', '#{session_name}')).toContain('a1'); // detaching leaves the agent running
      expect(wakeRec(f, 'a1').attachedAt).toBeGreaterThan(attachedAt); // the reaper's grace runs from the detach
    } finally {
      killTestServer(outer);
    }
  });

  it('uses switch-client inside the same tmux server, attach-session (without $TMUX) elsewhere', async () => {
    const f = makeTestFleet();
    f.writeRoster(`version: 1\nagents:\n${standinAgents(f, ['a1'])}`);
    expect((await f.fleet(['wake', 'a1'])).code).toBe(0);
    const ctx = openContext({ roster: f.roster, stateDir: f.stateDir, socket: f.socket });
    const sock = tmux(f.socket, 'display-message', '-p', '#{socket_path}').trim();

    const inside = await prepareAttach(ctx, 'a1', { env: { TMUX: `${sock},1,0`, HOME: '/h' } });
    expect(inside.inside).toBe(true);
    expect(inside.argv).toEqual(['tmux', '-u', '-L', f.socket, 'switch-client', '-t', '=a1']);
    expect(inside.env.TMUX).toBe(`${sock},1,0`);

    const nested = await prepareAttach(ctx, 'a1', { env: { TMUX: '/tmp/elsewhere,1,0', TMUX_PANE: '%1', HOME: '/h' } });
    expect(nested.inside).toBe(false);
    expect(nested.argv).toEqual(['tmux', '-u', '-L', f.socket, 'attach-session', '-t', '=a1']);
    expect(nested.env.TMUX).toBeUndefined();
    expect(nested.env.TMUX_PANE).toBeUndefined();
    expect(nested.env.HOME).toBe('/h');
    expect(nested.woke).toBeUndefined();
  });

  it('refuses a stopped agent and an asleep external one (exit 1), an unknown one (exit 2)', async () => {
    const f = makeTestFleet();
    f.writeRoster(`version: 1\nagents:\n${standinAgents(f, ['a1'])}${standinAgents(f, ['ext1'], '    managed: external\n')}`);
    expect((await f.fleet(['stop', 'a1'])).code).toBe(0);
    const s = await f.fleet(['attach', 'a1']);
    expect(s.code).toBe(1);
    expect(s.stderr).toContain('a1 is stopped — run fleet start a1');
    const e = await f.fleet(['attach', 'ext1']);
    expect(e.code).toBe(1);
    expect(e.stderr).toMatch(/no session to attach to/);
    expect((await f.fleet(['attach', 'zz'])).code).toBe(2);
  });
});
