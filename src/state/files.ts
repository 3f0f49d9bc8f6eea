import fs from 'node:fs';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { ConfigError } from '../domain/errors.js';
import type { AgentFiles, WakeRecord } from '../domain/types.js';
import { statePaths, type StatePaths } from './paths.js';

/**
 * Creates the state dir 0700 (and agents/) or checks an existing one: it must belong to us and not be
 * writable by group or others — anything else is refused, since its files steer what fleet launches.
 */
export function ensureStateDir(root: string, opts: OwnerCheck = {}): StatePaths {
  const p = statePaths(root);
  for (const dir of [root, p.agentsDir]) {
    try {
      fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
    } catch (e) {
      throw new ConfigError(`cannot create state dir ${dir}: ${(e as Error).message}`);
    }
    checkOwnDir(dir, opts);
  }
  return p;
}

export interface OwnerCheck {
  /** The uid that must own the dir; defaults to process.getuid() (tests inject another). */
  uid?: number | undefined;
}

export function checkOwnDir(dir: string, opts: OwnerCheck = {}): void {
  const st = fs.lstatSync(dir);
  if (st.isSymbolicLink()) {
    const real = fs.realpathSync(dir);
    checkOwnDir(real, opts);
    return;
  }
  if (!st.isDirectory()) throw new ConfigError(`state dir ${dir} is not a directory — move that file away or choose another --state-dir`);
  const uid = opts.uid ?? process.getuid?.();
  if (uid !== undefined && st.uid !== uid) {
    throw new ConfigError(`state dir ${dir} belongs to uid ${st.uid}, not to you (uid ${uid}); refusing to use it — use a dir of your own (--state-dir or FLEET_STATE_DIR)`);
  }
  if ((st.mode & 0o022) !== 0) {
    throw new ConfigError(
      `state dir ${dir} is writable by group or others (mode ${(st.mode & 0o777).toString(8)}); refusing to use it — run: chmod 700 ${dir}`,
    );
  }
  if ((st.mode & 0o077) !== 0) fs.chmodSync(dir, 0o700);
}

/** Writes a file atomically (temp + rename) with mode 0600. */
export function writeFileAtomic(file: string, data: string | Buffer): void {
  const tmp = path.join(path.dirname(file), `.${path.basename(file)}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`);
  fs.writeFileSync(tmp, data, { mode: 0o600 });
  try {
    fs.renameSync(tmp, file);
  } catch (e) {
    fs.rmSync(tmp, { force: true });
    throw e;
  }
}

function exists(f: string): boolean {
  try {
    fs.accessSync(f);
    return true;
  } catch {
    return false;
  }
}

export function parseWakeRecord(text: string): WakeRecord | null {
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch {
    return null;
  }
  if (!v || typeof v !== 'object') return null;
  const o = v as Record<string, unknown>;
  if (typeof o.wokenAt !== 'number' || !Number.isFinite(o.wokenAt)) return null;
  const rec: WakeRecord = {
    wokenAt: o.wokenAt,
    mode: o.mode === 'fresh' ? 'fresh' : 'resume',
    baselineMs: typeof o.baselineMs === 'number' ? o.baselineMs : null,
    sessionId: typeof o.sessionId === 'string' ? o.sessionId : null,
  };
  if (typeof o.attachedAt === 'number') rec.attachedAt = o.attachedAt;
  if (typeof o.readyAt === 'number') rec.readyAt = o.readyAt;
  if (typeof o.lastTask === 'string') rec.lastTask = o.lastTask;
  if (typeof o.lastTaskAt === 'number') rec.lastTaskAt = o.lastTaskAt;
  return rec;
}

/** Stop flag, /new mark and wake record of one agent. Garbage in a wake record reads as none. */
export function readAgentFiles(p: StatePaths, name: string): AgentFiles {
  let wake: WakeRecord | null;
  try {
    wake = parseWakeRecord(fs.readFileSync(p.wake(name), 'utf8'));
  } catch {
    wake = null;
  }
  return { stopped: exists(p.stopped(name)), newMark: exists(p.newMark(name)), wake };
}

export function writeWakeRecord(p: StatePaths, name: string, rec: WakeRecord): void {
  writeFileAtomic(p.wake(name), JSON.stringify(rec) + '\n');
}

export function updateWakeRecord(p: StatePaths, name: string, patch: Partial<WakeRecord>): void {
  const cur = readAgentFiles(p, name).wake;
  if (!cur) return;
  writeWakeRecord(p, name, { ...cur, ...patch });
}

export function setFlag(file: string, on: boolean, content = ''): void {
  if (on) writeFileAtomic(file, content || new Date().toISOString() + '\n');
  else fs.rmSync(file, { force: true });
}
