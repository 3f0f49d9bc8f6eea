import { ConfigError } from './domain/errors.js';
import { socketNameProblem } from './domain/names.js';
import type { Roster } from './domain/types.js';
import { ensureStateDir } from './state/files.js';
import { resolveRosterPath, resolveSocket, resolveStateDir, type GlobalOptions, type StatePaths } from './state/paths.js';
import { loadRoster } from './state/roster-file.js';
import { TmuxClient } from './tmux/client.js';
import { socketOwnerProblem } from './tmux/socket-file.js';
import type { TmuxRunner } from './tmux/runner.js';

/** Everything a verb needs: the validated roster, the state dir, and a tmux client on the right socket. */
export interface FleetContext {
  roster: Roster;
  rosterPath: string;
  socket: string;
  paths: StatePaths;
  tmux: TmuxClient;
}

export interface ContextOptions extends GlobalOptions {
  runner?: TmuxRunner;
}

export function checkedSocket(o: GlobalOptions, rosterSocket: string | undefined): string {
  const socket = resolveSocket(o, rosterSocket);
  const p = socketNameProblem(socket);
  if (p) {
    const from = o.socket ? '--socket' : process.env.FLEET_SOCKET ? 'FLEET_SOCKET' : 'tmux.socket';
    throw new ConfigError(`${from}: invalid tmux socket name ${JSON.stringify(socket)}: ${p}`);
  }
  const owner = socketOwnerProblem(socket);
  if (owner) throw new ConfigError(`${owner}; refusing to use it — choose another --socket / FLEET_SOCKET / tmux.socket`);
  return socket;
}

export function openContext(o: ContextOptions): FleetContext {
  const rosterPath = resolveRosterPath(o);
  const roster = loadRoster(rosterPath);
  const socket = checkedSocket(o, roster.socket);
  const paths = ensureStateDir(resolveStateDir(o));
  return { roster, rosterPath, socket, paths, tmux: new TmuxClient(socket, o.runner) };
}
