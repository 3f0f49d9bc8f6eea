/** The ledger's SQL schema and its row shapes (see ledger.ts). */
import type { LedgerDeliveryState } from './types.js';

export interface RunRow {
  id: number;
  kind: 'send' | 'broadcast';
  text: string;
  selector: string[];
  idempotencyKey: string | null;
  noWake: boolean;
  state: 'open' | 'finished';
  createdAt: number;
  finishedAt: number | null;
  ownerPid: number | null;
  ownerStart: string | null;
  targets: number;
}

export interface DeliveryRow {
  runId: number;
  agent: string;
  state: LedgerDeliveryState;
  attempts: number;
  enters: number;
  evidence: string | null;
  markFile: string | null;
  markOffset: number | null;
  createdAt: number;
  startedAt: number | null;
  updatedAt: number;
  finishedAt: number | null;
  error: string | null;
}

export interface EventRow {
  runId: number;
  seq: number;
  at: number;
  type: string;
  agent: string | null;
  data: Record<string, unknown> | null;
}

export const SCHEMA = `
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS runs (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  kind TEXT NOT NULL CHECK (kind IN ('send','broadcast')),
  text TEXT NOT NULL,
  selector TEXT NOT NULL,
  idempotency_key TEXT,
  no_wake INTEGER NOT NULL DEFAULT 0,
  state TEXT NOT NULL CHECK (state IN ('open','finished')),
  created_at INTEGER NOT NULL,
  finished_at INTEGER,
  owner_pid INTEGER,
  owner_start TEXT
);
CREATE UNIQUE INDEX IF NOT EXISTS runs_idempotency ON runs(idempotency_key) WHERE idempotency_key IS NOT NULL;
CREATE INDEX IF NOT EXISTS runs_state ON runs(state);
CREATE TABLE IF NOT EXISTS deliveries (
  run_id INTEGER NOT NULL REFERENCES runs(id),
  agent TEXT NOT NULL,
  state TEXT NOT NULL CHECK (state IN ('pending','pasting','delivered','unconfirmed','deferred','skipped','failed')),
  attempts INTEGER NOT NULL DEFAULT 0,
  enters INTEGER NOT NULL DEFAULT 0,
  evidence TEXT,
  mark_file TEXT,
  mark_offset INTEGER,
  created_at INTEGER NOT NULL,
  started_at INTEGER,
  updated_at INTEGER NOT NULL,
  finished_at INTEGER,
  error TEXT,
  PRIMARY KEY (run_id, agent)
);
CREATE TABLE IF NOT EXISTS events (
  run_id INTEGER NOT NULL REFERENCES runs(id),
  seq INTEGER NOT NULL,
  at INTEGER NOT NULL,
  type TEXT NOT NULL,
  agent TEXT,
  data TEXT,
  PRIMARY KEY (run_id, seq)
);
CREATE TRIGGER IF NOT EXISTS events_append_only_u BEFORE UPDATE ON events BEGIN SELECT RAISE(ABORT, 'events are append-only'); END;
CREATE TRIGGER IF NOT EXISTS events_append_only_d BEFORE DELETE ON events BEGIN SELECT RAISE(ABORT, 'events are append-only'); END;
CREATE TABLE IF NOT EXISTS agent_locks (
  agent TEXT PRIMARY KEY,
  run_id INTEGER NOT NULL,
  pid INTEGER NOT NULL,
  start TEXT,
  at INTEGER NOT NULL
);
`;

export function sqliteCode(e: unknown): string {
  return (e as { code?: string }).code ?? '';
}

/** A clear message for what SQLite threw at open/use: corrupt, locked, read-only, full. */
export function describeLedgerError(file: string, e: unknown): string {
  const code = sqliteCode(e);
  const msg = e instanceof Error ? e.message : String(e);
  if (code === 'SQLITE_NOTADB' || code === 'SQLITE_CORRUPT' || /not a database|malformed/i.test(msg)) {
    return `ledger ${file} is corrupt (${msg}); nothing was written — move it aside (mv ${file} ${file}.bad) and fleet starts a new one`;
  }
  if (code.startsWith('SQLITE_BUSY') || code.startsWith('SQLITE_LOCKED')) {
    return `ledger ${file} is locked by another process (${msg}); nothing was written — try again when it finishes`;
  }
  if (code.startsWith('SQLITE_READONLY') || code === 'SQLITE_CANTOPEN' || code === 'SQLITE_PERM') {
    return `cannot write the ledger ${file} (${msg}); check its permissions`;
  }
  if (code === 'SQLITE_FULL') return `cannot write the ledger ${file}: the disk is full`;
  return `ledger ${file}: ${msg}`;
}

export interface RawRun {
  id: number;
  kind: 'send' | 'broadcast';
  text: string;
  selector: string;
  idempotency_key: string | null;
  no_wake: number;
  state: 'open' | 'finished';
  created_at: number;
  finished_at: number | null;
  owner_pid: number | null;
  owner_start: string | null;
  targets: number;
}

export function runFromRaw(r: RawRun): RunRow {
  let selector: string[];
  try {
    const v = JSON.parse(r.selector) as unknown;
    selector = Array.isArray(v) ? v.map(String) : [String(v)];
  } catch {
    selector = [r.selector];
  }
  return {
    id: r.id,
    kind: r.kind,
    text: r.text,
    selector,
    idempotencyKey: r.idempotency_key,
    noWake: r.no_wake === 1,
    state: r.state,
    createdAt: r.created_at,
    finishedAt: r.finished_at,
    ownerPid: r.owner_pid,
    ownerStart: r.owner_start,
    targets: r.targets,
  };
}

export interface RawDelivery {
  run_id: number;
  agent: string;
  state: LedgerDeliveryState;
  attempts: number;
  enters: number;
  evidence: string | null;
  mark_file: string | null;
  mark_offset: number | null;
  created_at: number;
  started_at: number | null;
  updated_at: number;
  finished_at: number | null;
  error: string | null;
}

export const deliveryFromRaw = (r: RawDelivery): DeliveryRow => ({
  runId: r.run_id,
  agent: r.agent,
  state: r.state,
  attempts: r.attempts,
  enters: r.enters,
  evidence: r.evidence,
  markFile: r.mark_file,
  markOffset: r.mark_offset,
  createdAt: r.created_at,
  startedAt: r.started_at,
  updatedAt: r.updated_at,
  finishedAt: r.finished_at,
  error: r.error,
});

export const RUN_COLS = `r.*, (SELECT COUNT(*) FROM deliveries d WHERE d.run_id = r.id) AS targets`;

