import fs from 'node:fs';
import path from 'node:path';
import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import { Ledger, LedgerError } from '../../src/delivery/ledger.js';
import { tempDir } from '../helpers/tmux.js';

const Database = createRequire(import.meta.url)('better-sqlite3') as typeof import('better-sqlite3');
const me = { pid: 4242, start: 'a' };
const dead = (): boolean => false;
const alive = (): boolean => true;

function fresh(): { file: string; l: Ledger } {
  const file = path.join(tempDir(), 'ledger.sqlite');
  return { file, l: Ledger.open(file) };
}

describe('Ledger', () => {
  it('creates the file 0600 in WAL mode with a schema version', () => {
    const { file, l } = fresh();
    l.createRun({ kind: 'send', text: 'x', selector: ['a'], targets: ['a'] });
    expect(fs.statSync(file).mode & 0o777).toBe(0o600);
    expect(fs.statSync(file + '-wal').mode & 0o777).toBe(0o600);
    l.close();
    const db = new Database(file, { readonly: true });
    expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
    expect(db.pragma('user_version', { simple: true })).toBe(1);
    db.close();
  });

  it('records a run, one pending delivery per target, and a run.created event', () => {
    const { l } = fresh();
    const { run, created } = l.createRun({ kind: 'broadcast', text: 'hello', selector: ['coder*'], targets: ['c0', 'c1'], idempotencyKey: 'k1' }, me);
    expect(created).toBe(true);
    expect(run).toMatchObject({ kind: 'broadcast', text: 'hello', selector: ['coder*'], idempotencyKey: 'k1', state: 'open', targets: 2, ownerPid: 4242 });
    expect(l.deliveries(run.id).map((d) => [d.agent, d.state])).toEqual([['c0', 'pending'], ['c1', 'pending']]);
    expect(l.events(run.id).map((e) => [e.seq, e.type])).toEqual([[1, 'run.created']]);
  });

  it('the same idempotency key never creates a second run', () => {
    const { l } = fresh();
    const a = l.createRun({ kind: 'broadcast', text: 'one', selector: ['all'], targets: ['x'], idempotencyKey: 'same' });
    const b = l.createRun({ kind: 'broadcast', text: 'two', selector: ['all'], targets: ['x', 'y'], idempotencyKey: 'same' });
    expect(b.created).toBe(false);
    expect(b.run.id).toBe(a.run.id);
    expect(b.run.text).toBe('one');
    expect(l.listRuns()).toHaveLength(1);
    // no key: always a new run
    l.createRun({ kind: 'send', text: 'z', selector: ['x'], targets: ['x'] });
    l.createRun({ kind: 'send', text: 'z', selector: ['x'], targets: ['x'] });
    expect(l.listRuns()).toHaveLength(3);
  });

  it('walks a delivery through pasting to a final state with a per-run event sequence', () => {
    const { l } = fresh();
    const { run } = l.createRun({ kind: 'broadcast', text: 't', selector: ['all'], targets: ['a', 'b'] });
    const other = l.createRun({ kind: 'send', text: 'u', selector: ['a'], targets: ['a'] }).run;
    l.started(run.id, 'a');
    l.markPasting(run.id, 'a', { sessionFile: '/s.jsonl', offset: 120, at: 1 });
    expect(l.deliveries(run.id)[0]).toMatchObject({ state: 'pasting', attempts: 1, markFile: '/s.jsonl', markOffset: 120 });
    expect(l.finishRunIfDone(run.id)).toBe(false);
    l.finish(run.id, 'a', { state: 'delivered', attempts: 1, enters: 1, evidence: 'transcript' });
    l.finish(run.id, 'b', { state: 'failed', attempts: 0, reason: 'no live session' });
    expect(l.finishRunIfDone(run.id)).toBe(true);
    expect(l.getRun(run.id)).toMatchObject({ state: 'finished', ownerPid: null });
    expect(l.deliveries(run.id)[1]).toMatchObject({ state: 'failed', error: 'no live session' });
    const ev = l.events(run.id);
    expect(ev.map((e) => e.seq)).toEqual([1, 2, 3, 4, 5, 6]);
    expect(ev.map((e) => e.type)).toEqual(['run.created', 'delivery.started', 'delivery.pasting', 'delivery.delivered', 'delivery.failed', 'run.finished']);
    expect(ev[5]!.data).toEqual({ delivered: 1, failed: 1 });
    expect(l.events(other.id).map((e) => e.seq)).toEqual([1]);
  });

  it('events are append-only', () => {
    const { file, l } = fresh();
    l.createRun({ kind: 'send', text: 't', selector: ['a'], targets: ['a'] });
    l.close();
    const db = new Database(file);
    expect(() => db.prepare("UPDATE events SET type = 'x'").run()).toThrow(/append-only/);
    expect(() => db.prepare('DELETE FROM events').run()).toThrow(/append-only/);
    db.close();
  });

  it('a run owned by a live process cannot be claimed; a dead owner\'s can, and it is recorded', () => {
    const { l } = fresh();
    const { run } = l.createRun({ kind: 'broadcast', text: 't', selector: ['all'], targets: ['a'] }, { pid: 1, start: 'x' });
    expect(l.claim(run.id, me, alive)).toBe(false);
    expect(l.claim(run.id, me, dead)).toBe(true);
    expect(l.getRun(run.id)!.ownerPid).toBe(4242);
    expect(l.events(run.id).at(-1)).toMatchObject({ type: 'run.recovered', data: { fromPid: 1, byPid: 4242 } });
    expect(l.claim(run.id, me, alive)).toBe(true); // its own owner may re-claim
    l.release(run.id, me);
    expect(l.getRun(run.id)!.ownerPid).toBeNull();
  });

  it('requeue puts failed/deferred deliveries back, pasted ones as pasting so they are checked first', () => {
    const { l } = fresh();
    const { run } = l.createRun({ kind: 'broadcast', text: 't', selector: ['all'], targets: ['a', 'b', 'c'] });
    l.markPasting(run.id, 'a', { sessionFile: '/f', offset: 3, at: 0 });
    l.finish(run.id, 'a', { state: 'failed', attempts: 1, reason: 'Enter: no server' });
    l.finish(run.id, 'b', { state: 'deferred', attempts: 0, reason: 'draft' });
    l.finish(run.id, 'c', { state: 'delivered', attempts: 1 });
    expect(l.finishRunIfDone(run.id)).toBe(true);
    expect(l.requeue(run.id, ['failed', 'deferred'])).toEqual(['a', 'b']);
    expect(l.deliveries(run.id).map((d) => d.state)).toEqual(['pasting', 'pending', 'delivered']);
    expect(l.getRun(run.id)!.state).toBe('open');
  });

  it('per-agent locks: one holder at a time, a dead holder\'s lock is taken over', () => {
    const { l } = fresh();
    expect(l.tryLockAgent('a', 1, { pid: 1, start: null }, alive)).toEqual({ ok: true });
    expect(l.tryLockAgent('a', 2, me, alive)).toEqual({ ok: false, pid: 1, runId: 1 });
    expect(l.tryLockAgent('a', 2, me, dead)).toEqual({ ok: true });
    l.unlockAgent('a', 2, me);
    expect(l.tryLockAgent('a', 3, { pid: 7, start: null }, alive)).toEqual({ ok: true });
  });

  it('refuses a corrupt file with a clear message and leaves it byte-for-byte as it was', () => {
    const file = path.join(tempDir(), 'ledger.sqlite');
    const junk = Buffer.from('this is not a database at all, just some bytes\n'.repeat(200));
    fs.writeFileSync(file, junk, { mode: 0o600 });
    expect(() => Ledger.open(file)).toThrow(LedgerError);
    expect(() => Ledger.open(file)).toThrow(/ledger .* is corrupt.*nothing was written.*move it aside/);
    expect(fs.readFileSync(file).equals(junk)).toBe(true);
    expect(fs.existsSync(file + '-wal')).toBe(false);
  });

  it('refuses a truncated database with a clear message', () => {
    const { file, l } = fresh();
    for (let i = 0; i < 50; i++) l.createRun({ kind: 'send', text: 'x'.repeat(2000), selector: ['a'], targets: ['a'] });
    l.close();
    const bytes = fs.readFileSync(file);
    fs.writeFileSync(file, Buffer.concat([bytes.subarray(0, 100), Buffer.alloc(4096, 0x41)]));
    expect(() => {
      const l2 = Ledger.open(file);
      l2.listRuns();
    }).toThrow(/corrupt|malformed/);
  });

  it('reports a ledger locked by another writer, and writes nothing', () => {
    const { file, l } = fresh();
    l.close();
    const holder = new Database(file);
    holder.pragma('journal_mode = WAL');
    holder.exec('BEGIN IMMEDIATE');
    const l2 = Ledger.open(file, { busyTimeoutMs: 100 });
    expect(() => l2.createRun({ kind: 'send', text: 'x', selector: ['a'], targets: ['a'] })).toThrow(/locked by another process.*nothing was written/);
    holder.exec('ROLLBACK');
    holder.close();
    expect(l2.listRuns()).toEqual([]);
  });

  it('refuses a ledger written by a newer fleet', () => {
    const { file, l } = fresh();
    l.close();
    const db = new Database(file);
    db.pragma('user_version = 99');
    db.close();
    expect(() => Ledger.open(file)).toThrow(/schema version 99, newer/);
  });

  it('read-only opening of a missing ledger says nothing has been sent', () => {
    const file = path.join(tempDir(), 'none.sqlite');
    expect(() => Ledger.open(file, { readonly: true })).toThrow(/nothing has been sent yet/);
    expect(fs.existsSync(file)).toBe(false);
  });
});
