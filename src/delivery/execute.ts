/**
 * Executing a recorded run: a bounded pool over its pending/pasting deliveries, a per-agent lock across
 * processes, wake for asleep targets, deliverToLive for live ones, every step written to the ledger.
 */
import type { FleetContext } from '../context.js';
import { OperationError } from '../domain/errors.js';
import type { AgentRow, AgentSpec, AgentState } from '../domain/types.js';
import { sanitize } from '../domain/sanitize.js';
import { realDeps, waitReady, wake as realWake } from '../lifecycle/index.js';
import { pidAlive, processStartToken } from '../lifecycle/lock.js';
import { readAgentFiles, updateWakeRecord } from '../state/files.js';
import type { TmuxClient } from '../tmux/client.js';
import { snapshot } from '../watch/snapshot.js';
import { deliverToLive, type DeliverOptions } from './deliver.js';
import { LedgerError, type DeliveryRow, type Ledger, type OwnerAlive, type RunRow } from './ledger.js';
import type { DeliveryResult, DeliveryState, PasteMark } from './types.js';

export interface TargetResult extends DeliveryResult {
  name: string;
}

export interface PlannedTarget {
  name: string;
  state: AgentState | 'unknown';
  /** What a real run would do: deliver, wake then deliver, or skip (with why). */
  action: 'deliver' | 'wake' | 'skip';
  reason?: string;
}

export interface RunSummary {
  runId: number | null;
  /** false: the idempotency key named an existing run, which was returned (or finished) instead. */
  created: boolean;
  /** true: an interrupted (or retried) run finished by recoverRuns. */
  resumed?: boolean;
  dryRun: boolean;
  text: string;
  targets: PlannedTarget[];
  results: TargetResult[];
  counts: Partial<Record<DeliveryState, number>>;
  /** No target failed. */
  ok: boolean;
}

export const DEFAULT_CONCURRENCY = 24;
export interface Me {
  pid: number;
  start: string | null;
}

export function currentProcess(): Me {
  return { pid: process.pid, start: processStartToken(process.pid) };
}

export const ownerAlive: OwnerAlive = (pid, start) => {
  if (!pidAlive(pid)) return false;
  if (start === null) return true;
  const now = processStartToken(pid);
  return now === null || now === start;
};

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Runs `fn` over `items` with at most `n` in flight. */
export async function pool<T>(items: readonly T[], n: number, fn: (t: T) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const i = next++;
      await fn(items[i]!);
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(n, items.length)) }, worker));
}

export function planFor(row: AgentRow | undefined, noWake: boolean): Omit<PlannedTarget, 'name'> {
  if (!row) return { state: 'unknown', action: 'skip', reason: 'not in the roster' };
  const state = row.state;
  if (state === 'stopped' || row.stopped) return { state, action: 'skip', reason: `stopped (fleet start ${row.name} first)` };
  if (state === 'external' || row.managed === 'external') return { state, action: 'skip', reason: 'managed externally: fleet never sends to it' };
  if (state === 'asleep' || state === 'dead') {
    return noWake ? { state, action: 'skip', reason: `not live (${state}) and --no-wake` } : { state, action: 'wake' };
  }
  return { state, action: 'deliver' };
}

function countOf(results: readonly { state: string }[]): Partial<Record<DeliveryState, number>> {
  const c: Partial<Record<DeliveryState, number>> = {};
  for (const r of results) if (r.state !== 'pending' && r.state !== 'pasting') c[r.state as DeliveryState] = (c[r.state as DeliveryState] ?? 0) + 1;
  return c;
}

export function resultFromRow(d: DeliveryRow): TargetResult {
  const r: TargetResult = { name: d.agent, state: d.state === 'pending' || d.state === 'pasting' ? 'failed' : d.state, attempts: d.attempts, enters: d.enters };
  if (d.state === 'pending' || d.state === 'pasting') r.reason = `interrupted while ${d.state}; finish it with fleet runs resume ${d.runId}`;
  else if (d.error) r.reason = d.error;
  if (d.evidence === 'transcript' || d.evidence === 'composer') r.evidence = d.evidence;
  return r;
}

export function summaryOf(ledger: Ledger, run: RunRow, created: boolean, targets: PlannedTarget[]): RunSummary {
  const results = ledger.deliveries(run.id).map(resultFromRow);
  return { runId: run.id, created, dryRun: false, text: run.text, targets, results, counts: countOf(results), ok: results.every((r) => r.state !== 'failed') };
}

export interface ExecOptions {
  created: boolean;
  resumed?: boolean;
  rows?: readonly AgentRow[];
  me: Me;
  concurrency?: number | undefined;
  onResult?: ((name: string, r: DeliveryResult) => void) | undefined;
  /** The lifecycle's wake (injected in tests). */
  wake?: typeof realWake | undefined;
  deliver?: Omit<DeliverOptions, 'beforePaste' | 'resume' | 'maxTextBytes'> | undefined;
  lockWaitMs?: number | undefined;
}

/** Delivers every pending/pasting delivery of `run`; the run must be claimable. */
export async function executeRun(ctx: FleetContext, ledger: Ledger, run: RunRow, o: ExecOptions & { resumed: true }): Promise<RunSummary | null>;
export async function executeRun(ctx: FleetContext, ledger: Ledger, run: RunRow, o: ExecOptions): Promise<RunSummary>;
export async function executeRun(ctx: FleetContext, ledger: Ledger, run: RunRow, o: ExecOptions): Promise<RunSummary | null> {
  if (!ledger.claim(run.id, o.me, ownerAlive)) {
    if (o.resumed) return null; // another process is finishing it right now
    const r = ledger.getRun(run.id);
    throw new OperationError(`run ${run.id} is being delivered by another fleet process (pid ${r?.ownerPid ?? '?'}); see fleet runs show ${run.id}`);
  }
  const rows = o.rows ?? (await snapshot(ctx));
  const byName = new Map(rows.map((r) => [r.name, r]));
  const todo = ledger.deliveries(run.id).filter((d) => d.state === 'pending' || d.state === 'pasting');
  const targets: PlannedTarget[] = ledger.deliveries(run.id).map((d) => ({ name: d.agent, ...planFor(byName.get(d.agent), run.noWake) }));
  let ledgerFailure: unknown = null;
  try {
    await pool(todo, o.concurrency ?? DEFAULT_CONCURRENCY, async (d) => {
      try {
        await deliverOne(ctx, ledger, run, d, byName.get(d.agent), o);
      } catch (e) {
        if (e instanceof LedgerError) {
          ledgerFailure ??= e;
          return;
        }
        // Anything else is this target's failure, not the run's: record it and go on with the others.
        try {
          const cur = ledger.deliveries(run.id).find((x) => x.agent === d.agent);
          ledger.finish(run.id, d.agent, { state: 'failed', attempts: cur?.attempts ?? d.attempts, reason: `internal error: ${sanitize(e instanceof Error ? e.message : String(e), { singleLine: true, max: 300 })}` });
        } catch (e2) {
          ledgerFailure ??= e2;
        }
      }
    });
  } finally {
    try {
      if (!ledger.finishRunIfDone(run.id)) ledger.release(run.id, o.me);
    } catch (e) {
      ledgerFailure ??= e;
    }
  }
  if (ledgerFailure) throw ledgerFailure;
  const s = summaryOf(ledger, ledger.getRun(run.id) ?? run, o.created, targets);
  return o.resumed ? { ...s, resumed: true } : s;
}

async function lockAgent(ledger: Ledger, name: string, runId: number, me: Me, waitMs: number): Promise<string | null> {
  const deadline = Date.now() + waitMs;
  for (;;) {
    const r = ledger.tryLockAgent(name, runId, me, ownerAlive);
    if (r.ok) return null;
    if (Date.now() >= deadline) return `another fleet process (pid ${r.pid}, run ${r.runId}) is still sending to ${name}`;
    await sleep(100);
  }
}

async function deliverOne(ctx: FleetContext, ledger: Ledger, run: RunRow, d: DeliveryRow, row: AgentRow | undefined, o: ExecOptions): Promise<void> {
  const name = d.agent;
  const finish = (r: DeliveryResult): void => {
    ledger.finish(run.id, name, r);
    if (r.state === 'delivered' || r.state === 'unconfirmed') {
      try {
        updateWakeRecord(ctx.paths, name, { lastTask: run.text.slice(0, 500), lastTaskAt: Date.now() });
      } catch {
        /* the grid's "last task" is a nicety */
      }
    }
    try {
      o.onResult?.(name, r);
    } catch {
      /* a listener's error is not the delivery's */
    }
  };
  const spec = ctx.roster.agents.find((a) => a.name === name);
  if (!spec) return finish({ state: 'failed', attempts: d.attempts, reason: `${name} is no longer in the roster (${ctx.rosterPath})` });
  const busy = await lockAgent(ledger, name, run.id, o.me, o.lockWaitMs ?? 60_000);
  if (busy) return finish({ state: 'failed', attempts: d.attempts, reason: busy });
  try {
    const plan = planFor(row, run.noWake);
    ledger.started(run.id, name, { state: plan.state, action: plan.action });
    if (plan.action === 'skip') return finish({ state: 'skipped', attempts: d.attempts, reason: plan.reason ?? 'skipped' });
    const resume: PasteMark | undefined =
      d.state === 'pasting' ? { sessionFile: d.markFile, offset: d.markOffset ?? 0, at: d.updatedAt } : undefined;
    const opts: DeliverOptions = {
      ...(o.deliver ?? {}),
      maxTextBytes: ctx.roster.defaults.maxTextBytes,
      beforePaste: (m) => ledger.markPasting(run.id, name, m),
      ...(resume ? { resume } : {}),
    };
    const deliver = (tmux: TmuxClient, s: AgentSpec, text: string): Promise<DeliveryResult> =>
      text === run.text && s.name === name ? deliverToLive(tmux, s, text, opts) : deliverToLive(tmux, s, text, o.deliver ?? {});
    if (plan.action === 'deliver') {
      if (plan.state === 'booting') {
        // Woken by someone else moments ago: pasting before the agent reads its terminal would lose text.
        const rec = readAgentFiles(ctx.paths, name).wake;
        const why = rec ? await waitReady(ctx, realDeps, spec, rec.baselineMs, rec.wokenAt, ctx.roster.defaults.bootDeadlineSecs * 1000) : null;
        if (why) return finish({ state: 'failed', attempts: d.attempts, reason: `still booting: ${why}` });
      }
      return finish(withPriorAttempts(await deliver(ctx.tmux, spec, run.text), d));
    }

    // Asleep or dead: wake it, with our text as its task (after the kickstart of a fresh wake).
    ledger.event(run.id, 'delivery.waking', name);
    const wakeFn = o.wake ?? realWake;
    let w: Awaited<ReturnType<typeof realWake>>;
    try {
      w = await wakeFn(ctx, name, { task: run.text, waitReady: true }, { deliver });
    } catch (e) {
      return finish({ state: 'failed', attempts: d.attempts, reason: `wake: ${sanitize((e as Error).message, { singleLine: true })}` });
    }
    ledger.event(run.id, 'delivery.woken', name, { outcome: w.outcome, ...(w.mode ? { mode: w.mode } : {}), ...(w.reason ? { reason: w.reason } : {}) });
    if (w.task) return finish(withPriorAttempts(w.task, d));
    if (w.outcome === 'refused') return finish({ state: 'skipped', attempts: d.attempts, reason: w.reason ?? 'wake refused' });
    if (w.outcome === 'failed') return finish({ state: 'failed', attempts: d.attempts, reason: `wake failed: ${w.reason ?? 'unknown reason'}` });
    // Woken without the task having been sent (should not happen): send it now.
    return finish(withPriorAttempts(await deliver(ctx.tmux, spec, run.text), d));
  } finally {
    ledger.unlockAgent(name, run.id, o.me);
  }
}

/** The ledger counts pastes across processes; the result reports the total. */
function withPriorAttempts(r: DeliveryResult, d: DeliveryRow): DeliveryResult {
  return { ...r, attempts: d.attempts + r.attempts };
}

