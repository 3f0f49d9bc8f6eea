import { describe, expect, it } from 'vitest';
import { resolveRosterPath, resolveSocket, resolveStateDir, statePaths } from '../../src/state/paths.js';

describe('roster path: --roster > $FLEET_ROSTER > $XDG_CONFIG_HOME > ~/.config', () => {
  it('follows the precedence', () => {
    const env = { HOME: '/home/op', XDG_CONFIG_HOME: '/xdg', FLEET_ROSTER: '/env/r.yaml' };
    expect(resolveRosterPath({ roster: '/flag/r.yaml' }, env)).toBe('/flag/r.yaml');
    expect(resolveRosterPath({}, env)).toBe('/env/r.yaml');
    expect(resolveRosterPath({}, { HOME: '/home/op', XDG_CONFIG_HOME: '/xdg' })).toBe('/xdg/fleet/fleet.yaml');
    expect(resolveRosterPath({}, { HOME: '/home/op' })).toBe('/home/op/.config/fleet/fleet.yaml');
    // an empty variable counts as unset
    expect(resolveRosterPath({}, { HOME: '/home/op', FLEET_ROSTER: '', XDG_CONFIG_HOME: '' })).toBe('/home/op/.config/fleet/fleet.yaml');
  });
  it('a relative --roster is made absolute', () => {
    expect(resolveRosterPath({ roster: 'r.yaml' }, {})).toBe(`${process.cwd()}/r.yaml`);
  });
});

describe('state dir: --state-dir > $FLEET_STATE_DIR > $XDG_STATE_HOME > ~/.local/state', () => {
  it('follows the precedence', () => {
    const env = { HOME: '/home/op', XDG_STATE_HOME: '/xs', FLEET_STATE_DIR: '/env/st' };
    expect(resolveStateDir({ stateDir: '/flag/st' }, env)).toBe('/flag/st');
    expect(resolveStateDir({}, env)).toBe('/env/st');
    expect(resolveStateDir({}, { HOME: '/home/op', XDG_STATE_HOME: '/xs' })).toBe('/xs/fleet');
    expect(resolveStateDir({}, { HOME: '/home/op' })).toBe('/home/op/.local/state/fleet');
  });
});

describe('socket: --socket > $FLEET_SOCKET > roster tmux.socket > "fleet"', () => {
  it('follows the precedence', () => {
    expect(resolveSocket({ socket: 'flag' }, 'roster', { FLEET_SOCKET: 'env' })).toBe('flag');
    expect(resolveSocket({}, 'roster', { FLEET_SOCKET: 'env' })).toBe('env');
    expect(resolveSocket({}, 'roster', {})).toBe('roster');
    expect(resolveSocket({}, undefined, {})).toBe('fleet');
  });
});

describe('state dir layout (DESIGN §2)', () => {
  it('names every per-agent file under agents/', () => {
    const p = statePaths('/st');
    expect(p).toMatchObject({ root: '/st', agentsDir: '/st/agents', ledger: '/st/ledger.sqlite', supervisorLock: '/st/supervisor.lock', cockpits: '/st/cockpits' });
    expect([p.stopped('a'), p.newMark('a'), p.wake('a'), p.wakeLock('a')]).toEqual([
      '/st/agents/a.stopped',
      '/st/agents/a.new',
      '/st/agents/a.wake.json',
      '/st/agents/a.wake.lock',
    ]);
  });
});
