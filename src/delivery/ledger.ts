/**
 * The durable broadcast ledger (DESIGN §7): SQLite (better-sqlite3, WAL) at <state>/ledger.sqlite, 0600.
 * runs (one per send/broadcast, unique idempotency key) → deliveries (one per target) → events
 * (append-only, a sequence per run). Every change is one IMMEDIATE transaction, so a kill -9 leaves
 * either the whole change or none of it.
 */
import fs from 'node:fs';
import { createRequire } from 'node:module';
import type BetterSqlite3 from 'better-sqlite3';
import { OperationError } from '../domain/errors.js';
import {
  RUN_COLS,
  SCHEMA,
  deliveryFromRaw,
  describeLedgerError,
  runFromRaw,
  sqliteCode,
  type DeliveryRow,
  type EventRow,
  type RawDelivery,
  type RawRun,
  type RunRow,
} from './ledger-rows.js';
import type { DeliveryResult, LedgerDeliveryState, PasteMark } from './types.js';

export { describeLedgerError } from './ledger-rows.js';
export type { DeliveryRow, EventRow, RunRow } from './ledger-rows.js';

export const LEDGER_SCHEMA_VERSION = 1;

export interface NewRun {
  kind: 'send' | 'broadcast';
  text: string;
  selector: readonly string[];
  targets: readonly string[];
  idempotencyKey?: string | undefined;
  noWake?: boolean | undefined;
}

/** Is the process that owns a run still running? (pid + start token, so a recycled pid is not mistaken). */
export type OwnerAlive = (pid: number, start: string | null) => boolean;

type Db = BetterSqlite3.Database;
type DbCtor = new (file: string, opts?: BetterSqlite3.Options) => Db;

let ctor: DbCtor | null = null;
/** Loaded on first use, so verbs that never touch the ledger never load the native module. */
function sqlite(): DbCtor {
  if (!ctor) ctor = createRequire(import.meta.url)('better-sqlite3') as DbCtor;
  return ctor;
}

export class LedgerError extends OperationError {
  override name = 'LedgerError';
}

export class Ledger {
  private constructor(
    readonly file: string,
    private readonly db: Db,
    private readonly now: () => number,
  ) {}

  /**
   * Opens (creating, 0600) the ledger. Corrupt, locked, unwritable or too-new files are refused with
   * a clear LedgerError and left exactly as they were.
   */
  static open(file: string, opts: { now?: () => number; busyTimeoutMs?: number; readonly?: boolean } = {}): Ledger {
    const existed = fs.existsSync(file);
    if (!existed && opts.readonly) throw new LedgerError(`no ledger at ${file}: nothing has been sent yet`);
    if (!existed) {
      try {
        fs.closeSync(fs.openSync(file, 'a', 0o600));
      } catch (e) {
        throw new LedgerError(`cannot create the ledger ${file}: ${(e as Error).message}`);
      }
    } else {
      try {
        const st = fs.statSync(file);
        if (!st.isFile()) throw new LedgerError(`ledger ${file} is not a regular file`);
        if ((st.mode & 0o077) !== 0 && !opts.readonly) fs.chmodSync(file, 0o600);
      } catch (e) {
        if (e instanceof LedgerError) throw e;
        throw new LedgerError(`cannot read the ledger ${file}: ${(e as Error).message}`);
      }
    }
    let db: Db | null = null;
    try {
      const Database = sqlite();
      db = new Database(file, { fileMustExist: true, readonly: !!opts.readonly, timeout: opts.busyTimeoutMs ?? 5000 });
      // Reading the schema first: a corrupt file fails here, before any pragma or DDL writes to it.
      const version = (db.prepare('PRAGMA user_version').pluck().get() as number) ?? 0;
      if (version > LEDGER_SCHEMA_VERSION) {
        throw new LedgerError(`ledger ${file} has schema version ${version}, newer than this fleet understands (${LEDGER_SCHEMA_VERSION}); upgrade fleet or move the file aside`);
      }
      db.prepare('SELECT COUNT(*) FROM sqlite_master').get();
      if (!opts.readonly) {
        db.pragma('journal_mode = WAL');
        db.pragma('synchronous = NORMAL');
        db.pragma('foreign_keys = ON');
        if (version < LEDGER_SCHEMA_VERSION) {
          db.transaction(() => {
            db!.exec(SCHEMA);
            db!.prepare('INSERT OR REPLACE INTO meta(key, value) VALUES (?, ?)').run('schema_version', String(LEDGER_SCHEMA_VERSION));
            db!.pragma(`user_version = ${LEDGER_SCHEMA_VERSION}`);
          }).immediate();
        }
        for (const ext of ['-wal', '-shm']) {
          try {
            fs.chmodSync(file + ext, 0o600);
          } catch {
            /* not there yet */
          }
        }
      }
      return new Ledger(file, db, opts.now ?? Date.now);
    } catch (e) {
      try {
        db?.close();
      } catch {
        /* already unusable */
      }
      if (e instanceof LedgerError) throw e;
      throw new LedgerError(describeLedgerError(file, e));
    }
  }

  close(): void {
    this.db.close();
  }

  /** Runs `fn` in one IMMEDIATE transaction; SQLite errors become a clear LedgerError. */
  private tx<T>(fn: () => T): T {
    try {
      return this.db.transaction(fn).immediate();
    } catch (e) {
      if (e instanceof OperationError) throw e;
      if (sqliteCode(e).startsWith('SQLITE_')) throw new LedgerError(describeLedgerError(this.file, e));
      throw e;
    }
  }

  private read<T>(fn: () => T): T {
    try {
      return fn();
    } catch (e) {
      if (sqliteCode(e).startsWith('SQLITE_')) throw new LedgerError(describeLedgerError(this.file, e));
      throw e;
    }
  }

  private appendEvent(runId: number, type: string, agent: string | null, data: Record<string, unknown> | null, at: number): number {
    const seq = (this.db.prepare('SELECT COALESCE(MAX(seq), 0) + 1 FROM events WHERE run_id = ?').pluck().get(runId) as number) ?? 1;
    this.db
      .prepare('INSERT INTO events(run_id, seq, at, type, agent, data) VALUES (?, ?, ?, ?, ?, ?)')
      .run(runId, seq, at, type, agent, data ? JSON.stringify(data) : null);
    return seq;
  }

  event(runId: number, type: string, agent: string | null = null, data: Record<string, unknown> | null = null): number {
    return this.tx(() => this.appendEvent(runId, type, agent, data, this.now()));
  }

  /**
   * Creates a run with one pending delivery per target — or, when the idempotency key is already
   * taken, returns that run untouched (`created: false`).
   */
  createRun(n: NewRun, owner?: { pid: number; start: string | null }): { run: RunRow; created: boolean } {
    const key = n.idempotencyKey?.trim() || null;
    return this.tx(() => {
      if (key) {
        const old = this.db.prepare(`SELECT ${RUN_COLS} FROM runs r WHERE idempotency_key = ?`).get(key) as RawRun | undefined;
        if (old) return { run: runFromRaw(old), created: false };
      }
      const at = this.now();
      const id = Number(
        this.db
          .prepare('INSERT INTO runs(kind, text, selector, idempotency_key, no_wake, state, created_at, owner_pid, owner_start) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)')
          .run(n.kind, n.text, JSON.stringify(n.selector), key, n.noWake ? 1 : 0, n.targets.length ? 'open' : 'finished', at, owner?.pid ?? null, owner?.start ?? null).lastInsertRowid,
      );
      const ins = this.db.prepare("INSERT INTO deliveries(run_id, agent, state, created_at, updated_at) VALUES (?, ?, 'pending', ?, ?)");
      for (const t of n.targets) ins.run(id, t, at, at);
      this.appendEvent(id, 'run.created', null, { kind: n.kind, selector: n.selector, targets: n.targets, idempotencyKey: key, bytes: Buffer.byteLength(n.text) }, at);
      if (!n.targets.length) this.db.prepare('UPDATE runs SET finished_at = ? WHERE id = ?').run(at, id);
      return { run: this.getRunTx(id)!, created: true };
    });
  }

  private getRunTx(id: number): RunRow | null {
    const r = this.db.prepare(`SELECT ${RUN_COLS} FROM runs r WHERE id = ?`).get(id) as RawRun | undefined;
    return r ? runFromRaw(r) : null;
  }

  getRun(id: number): RunRow | null {
    return this.read(() => this.getRunTx(id));
  }

  listRuns(limit = 50): RunRow[] {
    return this.read(() => (this.db.prepare(`SELECT ${RUN_COLS} FROM runs r ORDER BY id DESC LIMIT ?`).all(limit) as RawRun[]).map(runFromRaw));
  }

  openRuns(): RunRow[] {
    return this.read(() => (this.db.prepare(`SELECT ${RUN_COLS} FROM runs r WHERE state = 'open' ORDER BY id`).all() as RawRun[]).map(runFromRaw));
  }

  deliveries(runId: number): DeliveryRow[] {
    return this.read(() => (this.db.prepare('SELECT * FROM deliveries WHERE run_id = ? ORDER BY rowid').all(runId) as RawDelivery[]).map(deliveryFromRaw));
  }

  events(runId: number, afterSeq = 0): EventRow[] {
    return this.read(() =>
      (this.db.prepare('SELECT * FROM events WHERE run_id = ? AND seq > ? ORDER BY seq').all(runId, afterSeq) as {
        run_id: number; seq: number; at: number; type: string; agent: string | null; data: string | null;
      }[]).map((e) => ({ runId: e.run_id, seq: e.seq, at: e.at, type: e.type, agent: e.agent, data: e.data ? (JSON.parse(e.data) as Record<string, unknown>) : null })),
    );
  }

  /**
   * Takes ownership of an open run when nobody (alive) holds it. Returns false when a live process
   * owns it. A run owned by a dead process is recorded as recovered.
   */
  claim(runId: number, me: { pid: number; start: string | null }, alive: OwnerAlive): boolean {
    return this.tx(() => {
      const r = this.getRunTx(runId);
      if (!r || r.state !== 'open') return false;
      const mine = r.ownerPid === me.pid && r.ownerStart === me.start;
      if (r.ownerPid !== null && !mine && alive(r.ownerPid, r.ownerStart)) return false;
      this.db.prepare('UPDATE runs SET owner_pid = ?, owner_start = ? WHERE id = ?').run(me.pid, me.start, runId);
      if (r.ownerPid !== null && !mine) this.appendEvent(runId, 'run.recovered', null, { fromPid: r.ownerPid, byPid: me.pid }, this.now());
      return true;
    });
  }

  release(runId: number, me: { pid: number }): void {
    this.tx(() => {
      this.db.prepare('UPDATE runs SET owner_pid = NULL, owner_start = NULL WHERE id = ? AND owner_pid = ?').run(runId, me.pid);
    });
  }

  /** Puts final deliveries of these states back to pending (a retry), keeping their paste marks. */
  requeue(runId: number, states: readonly LedgerDeliveryState[]): string[] {
    return this.tx(() => {
      const rows = (this.db.prepare('SELECT * FROM deliveries WHERE run_id = ?').all(runId) as RawDelivery[]).filter((d) => states.includes(d.state));
      if (!rows.length) return [];
      const at = this.now();
      const upd = this.db.prepare("UPDATE deliveries SET state = CASE WHEN mark_file IS NOT NULL OR attempts > 0 THEN 'pasting' ELSE 'pending' END, updated_at = ?, finished_at = NULL WHERE run_id = ? AND agent = ?");
      for (const d of rows) {
        upd.run(at, runId, d.agent);
        this.appendEvent(runId, 'delivery.requeued', d.agent, { from: d.state }, at);
      }
      this.db.prepare("UPDATE runs SET state = 'open', finished_at = NULL WHERE id = ?").run(runId);
      return rows.map((d) => d.agent);
    });
  }

  started(runId: number, agent: string, data: Record<string, unknown> | null = null): void {
    this.tx(() => {
      const at = this.now();
      this.db.prepare('UPDATE deliveries SET started_at = COALESCE(started_at, ?), updated_at = ? WHERE run_id = ? AND agent = ?').run(at, at, runId, agent);
      this.appendEvent(runId, 'delivery.started', agent, data, at);
    });
  }

  /** Written (and committed) BEFORE the text is pasted: a crash after this point is checked, not resent. */
  markPasting(runId: number, agent: string, mark: PasteMark): void {
    this.tx(() => {
      const at = this.now();
      this.db
        .prepare("UPDATE deliveries SET state = 'pasting', attempts = attempts + 1, mark_file = ?, mark_offset = ?, updated_at = ? WHERE run_id = ? AND agent = ?")
        .run(mark.sessionFile, mark.offset, at, runId, agent);
      this.appendEvent(runId, 'delivery.pasting', agent, { sessionFile: mark.sessionFile, offset: mark.offset }, at);
    });
  }

  finish(runId: number, agent: string, r: DeliveryResult): void {
    this.tx(() => {
      const at = this.now();
      this.db
        .prepare('UPDATE deliveries SET state = ?, enters = enters + ?, evidence = ?, error = ?, updated_at = ?, finished_at = ? WHERE run_id = ? AND agent = ?')
        .run(r.state, r.enters ?? 0, r.evidence ?? null, r.reason ?? null, at, at, runId, agent);
      const data: Record<string, unknown> = { attempts: r.attempts };
      if (r.reason) data.reason = r.reason;
      if (r.evidence) data.evidence = r.evidence;
      if (r.enters !== undefined) data.enters = r.enters;
      this.appendEvent(runId, `delivery.${r.state}`, agent, data, at);
    });
  }

  /** Closes the run when no delivery is pending or pasting; returns true when it did. */
  finishRunIfDone(runId: number): boolean {
    return this.tx(() => {
      const open = this.db.prepare("SELECT COUNT(*) FROM deliveries WHERE run_id = ? AND state IN ('pending','pasting')").pluck().get(runId) as number;
      if (open > 0) return false;
      const r = this.getRunTx(runId);
      if (!r || r.state === 'finished') return false;
      const at = this.now();
      this.db.prepare("UPDATE runs SET state = 'finished', finished_at = ?, owner_pid = NULL, owner_start = NULL WHERE id = ?").run(at, runId);
      const counts = this.db.prepare('SELECT state, COUNT(*) AS n FROM deliveries WHERE run_id = ? GROUP BY state').all(runId) as { state: string; n: number }[];
      this.appendEvent(runId, 'run.finished', null, Object.fromEntries(counts.map((c) => [c.state, c.n])), at);
      return true;
    });
  }

  /**
   * Per-agent send lock across processes: one delivery at a time per agent. Free when absent, held by a
   * dead process, or held by this very run. Returns the holder when busy.
   */
  tryLockAgent(agent: string, runId: number, me: { pid: number; start: string | null }, alive: OwnerAlive): { ok: true } | { ok: false; pid: number; runId: number } {
    return this.tx(() => {
      const h = this.db.prepare('SELECT * FROM agent_locks WHERE agent = ?').get(agent) as { run_id: number; pid: number; start: string | null } | undefined;
      if (h && !(h.pid === me.pid && h.run_id === runId) && alive(h.pid, h.start)) return { ok: false as const, pid: h.pid, runId: h.run_id };
      this.db.prepare('INSERT OR REPLACE INTO agent_locks(agent, run_id, pid, start, at) VALUES (?, ?, ?, ?, ?)').run(agent, runId, me.pid, me.start, this.now());
      return { ok: true as const };
    });
  }

  unlockAgent(agent: string, runId: number, me: { pid: number }): void {
    this.tx(() => {
      this.db.prepare('DELETE FROM agent_locks WHERE agent = ? AND run_id = ? AND pid = ?').run(agent, runId, me.pid);
    });
  }
}
