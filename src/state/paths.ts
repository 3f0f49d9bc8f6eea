import os from 'node:os';
import path from 'node:path';
import { DEFAULT_SOCKET } from '../domain/roster.js';

/** Global options every verb takes (DESIGN §8). */
export interface GlobalOptions {
  socket?: string | undefined;
  roster?: string | undefined;
  stateDir?: string | undefined;
}

type Env = Readonly<Record<string, string | undefined>>;

/** --roster, else $FLEET_ROSTER, else $XDG_CONFIG_HOME/fleet/fleet.yaml, else ~/.config/fleet/fleet.yaml. */
export function resolveRosterPath(o: GlobalOptions, env: Env = process.env): string {
  if (o.roster) return path.resolve(o.roster);
  if (env.FLEET_ROSTER) return path.resolve(env.FLEET_ROSTER);
  const xdg = env.XDG_CONFIG_HOME || path.join(env.HOME || os.homedir(), '.config');
  return path.join(xdg, 'fleet', 'fleet.yaml');
}

/** --state-dir, else $FLEET_STATE_DIR, else $XDG_STATE_HOME/fleet, else ~/.local/state/fleet. */
export function resolveStateDir(o: GlobalOptions, env: Env = process.env): string {
  if (o.stateDir) return path.resolve(o.stateDir);
  if (env.FLEET_STATE_DIR) return path.resolve(env.FLEET_STATE_DIR);
  const xdg = env.XDG_STATE_HOME || path.join(env.HOME || os.homedir(), '.local', 'state');
  return path.join(xdg, 'fleet');
}

/** --socket, else $FLEET_SOCKET, else the roster's tmux.socket, else "fleet". */
export function resolveSocket(o: GlobalOptions, rosterSocket: string | undefined, env: Env = process.env): string {
  return o.socket || env.FLEET_SOCKET || rosterSocket || DEFAULT_SOCKET;
}

export interface StatePaths {
  root: string;
  agentsDir: string;
  ledger: string;
  supervisorLock: string;
  cockpits: string;
  stopped(name: string): string;
  newMark(name: string): string;
  wake(name: string): string;
  wakeLock(name: string): string;
}

export function statePaths(root: string): StatePaths {
  const agentsDir = path.join(root, 'agents');
  return {
    root,
    agentsDir,
    ledger: path.join(root, 'ledger.sqlite'),
    supervisorLock: path.join(root, 'supervisor.lock'),
    cockpits: path.join(root, 'cockpits'),
    stopped: (n) => path.join(agentsDir, `${n}.stopped`),
    newMark: (n) => path.join(agentsDir, `${n}.new`),
    wake: (n) => path.join(agentsDir, `${n}.wake.json`),
    wakeLock: (n) => path.join(agentsDir, `${n}.wake.lock`),
  };
}
