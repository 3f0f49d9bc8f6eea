import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { FileLock, holderGone, parseHolder, pidAlive, processStartToken, withLock, type Liveness, type LockHolder } from '../../src/lifecycle/lock.js';
import { tempDir } from '../helpers/tmux.js';

/** A fake process table: pid → start token (absent: dead). */
function fakeLiveness(table: Record<number, string>, host = 'box'): Liveness {
  return { pidAlive: (pid) => pid in table, startToken: (pid) => table[pid] ?? null, host };
}

function writeHolder(file: string, h: Partial<LockHolder>, ageMs = 0): void {
  fs.writeFileSync(file, JSON.stringify({ pid: 1, start: null, host: 'box', acquiredAt: 0, heartbeatAt: 0, what: 'x', ...h }));
  if (ageMs) {
    const t = new Date(Date.now() - ageMs);
    fs.utimesSync(file, t, t);
  }
}

describe('FileLock', () => {
  it('is exclusive between two holders and free again after release', () => {
    const file = path.join(tempDir(), 'a.lock');
    const live = fakeLiveness({ [process.pid]: 'me' });
    const a = new FileLock(file, 'a', live);
    const b = new FileLock(file, 'b', live);
    expect(a.tryAcquire()).toBe(true);
    expect(b.tryAcquire()).toBe(false);
    expect(parseHolder(fs.readFileSync(file, 'utf8'))).toMatchObject({ pid: process.pid, start: 'me', what: 'a' });
    expect((fs.statSync(file).mode & 0o777).toString(8)).toBe('600');
    a.release();
    expect(fs.existsSync(file)).toBe(false);
    expect(b.tryAcquire()).toBe(true);
  });

  it('takes over the lock of a dead holder (crashed process)', () => {
    const file = path.join(tempDir(), 'a.lock');
    writeHolder(file, { pid: 999_999, start: 'old' });
    const me = new FileLock(file, 'me', fakeLiveness({ [process.pid]: 'me' }));
    expect(me.tryAcquire()).toBe(true);
    expect(me.holder()?.pid).toBe(process.pid);
  });

  it('takes over when the pid was recycled by another process (start token differs)', () => {
    const file = path.join(tempDir(), 'a.lock');
    writeHolder(file, { pid: 4242, start: 'then' });
    const me = new FileLock(file, 'me', fakeLiveness({ [process.pid]: 'me', 4242: 'now' }));
    expect(me.tryAcquire()).toBe(true);
  });

  it('never steals from a live holder, however old its heartbeat (a long attach)', () => {
    const file = path.join(tempDir(), 'a.lock');
    writeHolder(file, { pid: 4242, start: 't', heartbeatAt: 0, acquiredAt: 0 }, 3_600_000);
    const me = new FileLock(file, 'me', fakeLiveness({ [process.pid]: 'me', 4242: 't' }));
    expect(me.tryAcquire()).toBe(false);
    expect(me.holder()?.pid).toBe(4242);
  });

  it('never steals a lock written by another host (shared state dir)', () => {
    const file = path.join(tempDir(), 'a.lock');
    writeHolder(file, { pid: 999_999, host: 'elsewhere' });
    expect(new FileLock(file, 'me', fakeLiveness({ [process.pid]: 'me' }, 'box')).tryAcquire()).toBe(false);
  });

  it('treats garbage content as a holder still writing, then as stale once old', () => {
    const dir = tempDir();
    const young = path.join(dir, 'young.lock');
    fs.writeFileSync(young, '');
    expect(new FileLock(young, 'me', fakeLiveness({ [process.pid]: 'me' })).tryAcquire()).toBe(false);
    const old = path.join(dir, 'old.lock');
    fs.writeFileSync(old, '{not json');
    const t = new Date(Date.now() - 60_000);
    fs.utimesSync(old, t, t);
    expect(new FileLock(old, 'me', fakeLiveness({ [process.pid]: 'me' })).tryAcquire()).toBe(true);
  });

  it('notices when another process took its lock over, and then does not delete theirs', () => {
    const file = path.join(tempDir(), 'a.lock');
    const a = new FileLock(file, 'a', fakeLiveness({ [process.pid]: 'me' }));
    expect(a.tryAcquire()).toBe(true);
    writeHolder(file, { pid: 4242, start: 't', acquiredAt: 123 });
    expect(a.stillMine()).toBe(false);
    a.release();
    expect(fs.existsSync(file)).toBe(true);
  });

  it('heartbeat rewrites heartbeatAt and keeps ownership', () => {
    const file = path.join(tempDir(), 'a.lock');
    const a = new FileLock(file, 'a', fakeLiveness({ [process.pid]: 'me' }));
    expect(a.tryAcquire(1000)).toBe(true);
    expect(a.heartbeat(5000)).toBe(true);
    expect(a.holder()).toMatchObject({ heartbeatAt: 5000, acquiredAt: 1000 });
    expect(a.stillMine()).toBe(true);
  });

  it('withLock waits for the holder and fails with the caller\'s error on timeout', async () => {
    const file = path.join(tempDir(), 'a.lock');
    const live = fakeLiveness({ [process.pid]: 'me' });
    const a = new FileLock(file, 'a', live);
    a.tryAcquire();
    await expect(withLock(new FileLock(file, 'b', live), 150, (h) => new Error(`held by ${h?.what}`), async () => 1)).rejects.toThrow('held by a');
    setTimeout(() => a.release(), 100);
    await expect(withLock(new FileLock(file, 'b', live), 5_000, () => new Error('x'), async () => 7)).resolves.toBe(7);
    expect(fs.existsSync(file)).toBe(false);
  });
});

describe('process liveness', () => {
  it('sees this process alive and a bogus pid dead', () => {
    expect(pidAlive(process.pid)).toBe(true);
    expect(pidAlive(999_999_999)).toBe(false);
    expect(pidAlive(-1)).toBe(false);
  });

  it('reads a stable start token for this process where /proc exists', () => {
    const t = processStartToken(process.pid);
    if (fs.existsSync('/proc/self/stat')) expect(t).toMatch(/^\d+$/);
    else expect(t).toBeNull();
    expect(processStartToken(process.pid)).toBe(t);
  });

  it('holderGone: dead pid → gone; live pid same start → not gone', () => {
    const live = fakeLiveness({ 10: 's' });
    const h = (p: Partial<LockHolder>): LockHolder => ({ pid: 10, start: 's', host: 'box', acquiredAt: 0, heartbeatAt: 0, what: '', ...p });
    expect(holderGone(h({ pid: 11 }), 0, live)).toBe(true);
    expect(holderGone(h({}), 10 ** 9, live)).toBe(false);
    expect(holderGone(h({ start: null }), 0, live)).toBe(false);
    expect(holderGone(null, 100, live)).toBe(false);
    expect(holderGone(null, 10_000, live)).toBe(true);
  });
});
