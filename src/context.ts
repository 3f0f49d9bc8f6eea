import fs from 'node:fs';
import path from 'node:path';
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

/** The dir exists, is ours and nobody else can write it (ensureStateDir's rules, without side effects). */
function safeExistingDir(dir: string): boolean {
  try {
    const st = fs.statSync(dir);
    const uid = process.getuid?.();
    return st.isDirectory() && (uid === undefined || st.uid === uid) && (st.mode & 0o022) === 0;
  } catch {
    return false;
  }
}

export function openContext(o: ContextOptions): FleetContext {
  const rosterPath = resolveRosterPath(o);
  const stateDir = resolveStateDir(o);
  // The last valid parse is remembered in the state dir (same text → same roster; src/state/roster-file.ts),
  // used only when that dir already exists and is safe: nothing is created or read before the checks.
  const cacheFile = safeExistingDir(stateDir) ? path.join(stateDir, 'roster-cache.json') : undefined;
  const roster = loadRoster(rosterPath, cacheFile ? { cacheFile } : {});
  const socket = checkedSocket(o, roster.socket);
  const paths = ensureStateDir(stateDir);
  return { roster, rosterPath, socket, paths, tmux: new TmuxClient(socket, o.runner) };
}
