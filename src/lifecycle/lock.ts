import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { randomBytes } from 'node:crypto';

/**
 * Cross-process exclusive lock files (per-agent wake lock, supervisor guard).
 *
 * A lock is a file created with O_EXCL holding who owns it: pid, that process's start token (so a
 * recycled pid is not mistaken for the holder), host, and a heartbeat. It is taken over only when
 * its holder is provably gone: the pid is dead, or alive but started at another time (pid reuse).
 * A holder that is alive but silent (an operator attach blocking its event loop for an hour) keeps
 * its lock: liveness, not the heartbeat, decides. The heartbeat is shown to viewers only.
 */

export interface LockHolder {
  pid: number;
  /** Process start token (Linux: /proc/<pid>/stat starttime); null where the OS has none. */
  start: string | null;
  host: string;
  acquiredAt: number;
  heartbeatAt: number;
  /** What holds it (`fleet wake a1`, `fleet top`…), for messages. */
  what: string;
}

/** The start time of a process, in clock ticks since boot (Linux); null when unknown. */
export function processStartToken(pid: number): string | null {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    // comm (field 2) may hold spaces and parens: fields after the last ')' are fixed.
    const rest = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return rest[19] ?? null; // field 22 overall = index 19 after state (field 3)
  } catch {
    return null;
  }
}

export function pidAlive(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

export function parseHolder(text: string): LockHolder | null {
  try {
    const v = JSON.parse(text) as Partial<LockHolder>;
    if (!v || typeof v.pid !== 'number') return null;
    return {
      pid: v.pid,
      start: typeof v.start === 'string' ? v.start : null,
      host: typeof v.host === 'string' ? v.host : '',
      acquiredAt: typeof v.acquiredAt === 'number' ? v.acquiredAt : 0,
      heartbeatAt: typeof v.heartbeatAt === 'number' ? v.heartbeatAt : 0,
      what: typeof v.what === 'string' ? v.what : '',
    };
  } catch {
    return null;
  }
}

export interface Liveness {
  pidAlive(pid: number): boolean;
  startToken(pid: number): string | null;
  host: string;
}

export const realLiveness: Liveness = { pidAlive, startToken: processStartToken, host: os.hostname() };

/**
 * Is the holder provably gone? Unreadable/garbage content counts as gone only once the file is
 * older than `garbageGraceMs` (a holder writes its content right after creating the file).
 */
export function holderGone(h: LockHolder | null, fileAgeMs: number, live: Liveness = realLiveness, garbageGraceMs = 2_000): boolean {
  if (!h) return fileAgeMs > garbageGraceMs;
  if (h.host && h.host !== live.host) return false; // another machine's lock (shared state dir): never steal
  if (!live.pidAlive(h.pid)) return true;
  if (h.start !== null) {
    const now = live.startToken(h.pid);
    if (now !== null && now !== h.start) return true; // the pid was recycled
  }
  return false;
}

export function readHolder(file: string): LockHolder | null {
  try {
    return parseHolder(fs.readFileSync(file, 'utf8'));
  } catch {
    return null;
  }
}

export class FileLock {
  private held = false;
  private me: LockHolder | null = null;

  constructor(
    readonly file: string,
    readonly what: string,
    private readonly live: Liveness = realLiveness,
  ) {}

  isHeld(): boolean {
    return this.held;
  }

  /** One attempt: creates the lock, or takes over a gone holder's. Never waits. */
  tryAcquire(now = Date.now()): boolean {
    if (this.held) return this.stillMine();
    const me: LockHolder = {
      pid: process.pid,
      start: this.live.startToken(process.pid),
      host: this.live.host,
      acquiredAt: now,
      heartbeatAt: now,
      what: this.what,
    };
    if (this.create(me)) return true;
    // Exists: take it over only when its holder is provably gone.
    let st: fs.Stats;
    try {
      st = fs.statSync(this.file);
    } catch {
      return this.create(me); // vanished meanwhile
    }
    const holder = readHolder(this.file);
    if (!holderGone(holder, now - st.mtimeMs, this.live)) return false;
    // Move the stale file aside atomically; only the process whose rename moved THAT inode proceeds.
    const grave = `${this.file}.stale.${process.pid}.${randomBytes(4).toString('hex')}`;
    try {
      fs.renameSync(this.file, grave);
    } catch {
      return false; // another taker won the rename
    }
    let movedIno = -1;
    try {
      movedIno = fs.statSync(grave).ino;
    } catch {
      /* gone */
    }
    if (movedIno !== st.ino) {
      // We moved a fresh lock someone created after our check: put it back and lose this round.
      try {
        fs.linkSync(grave, this.file);
      } catch {
        /* a third process created one: theirs stands */
      }
      fs.rmSync(grave, { force: true });
      return false;
    }
    fs.rmSync(grave, { force: true });
    return this.create(me);
  }

  /** Polls until acquired or `timeoutMs` passes; returns false on timeout. */
  async acquire(timeoutMs: number, pollMs = 50): Promise<boolean> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      if (this.tryAcquire()) return true;
      if (Date.now() >= deadline) return false;
      await new Promise((r) => setTimeout(r, pollMs + Math.floor(Math.random() * pollMs)));
    }
  }

  /** Still ours? (Another process may have taken it over after deciding we were gone.) */
  stillMine(): boolean {
    if (!this.held || !this.me) return false;
    const h = readHolder(this.file);
    const mine = h !== null && h.pid === this.me.pid && h.acquiredAt === this.me.acquiredAt && h.host === this.me.host;
    if (!mine) this.held = false;
    return mine;
  }

  /** Rewrites the heartbeat (viewers show "supervisor pid N, last tick Ns ago"). */
  heartbeat(now = Date.now()): boolean {
    if (!this.stillMine() || !this.me) return false;
    this.me = { ...this.me, heartbeatAt: now };
    try {
      const tmp = `${this.file}.${process.pid}.hb`;
      fs.writeFileSync(tmp, JSON.stringify(this.me) + '\n', { mode: 0o600 });
      fs.renameSync(tmp, this.file);
      return true;
    } catch {
      return false;
    }
  }

  release(): void {
    if (this.held && this.stillMine()) fs.rmSync(this.file, { force: true });
    this.held = false;
    this.me = null;
  }

  holder(): LockHolder | null {
    return readHolder(this.file);
  }

  private create(me: LockHolder): boolean {
    let fd: number;
    try {
      fs.mkdirSync(path.dirname(this.file), { recursive: true, mode: 0o700 });
      fd = fs.openSync(this.file, fs.constants.O_WRONLY | fs.constants.O_CREAT | fs.constants.O_EXCL, 0o600);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'EEXIST') return false;
      throw e;
    }
    try {
      fs.writeSync(fd, JSON.stringify(me) + '\n');
    } finally {
      fs.closeSync(fd);
    }
    this.held = true;
    this.me = me;
    return true;
  }
}

/** Runs `fn` holding the lock; throws `onTimeout()` when it cannot be had in time. */
export async function withLock<T>(lock: FileLock, timeoutMs: number, onTimeout: (h: LockHolder | null) => Error, fn: () => Promise<T>): Promise<T> {
  if (!(await lock.acquire(timeoutMs))) throw onTimeout(lock.holder());
  try {
    return await fn();
  } finally {
    lock.release();
  }
}
