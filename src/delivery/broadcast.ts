/**
 * send and broadcast (DESIGN §7): resolve targets, record a durable run, deliver to the targets in
 * parallel (a bounded pool), each agent serially (a per-agent lock across processes), wake asleep
 * targets unless noWake, and finish interrupted runs after a crash.
 */
import fs from 'node:fs';
import type { FleetContext } from '../context.js';
import { ConfigError, OperationError } from '../domain/errors.js';
import { resolveSelectors } from '../domain/selectors.js';
import type { AgentRow, AgentSpec, AgentState } from '../domain/types.js';
import { sanitize } from '../domain/sanitize.js';
import { realDeps, waitReady, wake as realWake } from '../lifecycle/index.js';
import { pidAlive, processStartToken } from '../lifecycle/lock.js';
import { readAgentFiles, updateWakeRecord } from '../state/files.js';
import { TmuxClient } from '../tmux/client.js';
import { ControlClient } from '../tmux/control.js';
import { snapshot } from '../watch/snapshot.js';
import { deliverToLive, type DeliverOptions } from './deliver.js';
import { Ledger, type DeliveryRow, type OwnerAlive, type RunRow } from './ledger.js';
import { textProblem } from './text-input.js';
import type { DeliveryResult, DeliveryState, PasteMark } from './types.js';

export interface BroadcastOptions {
  selector: string[];
  text: string;
  idempotencyKey?: string | undefined;
  /** Skip targets that are not live instead of waking them. */
  noWake?: boolean | undefined;
  /** The cockpit's marked rows, for `@marked`. */
  marked?: string[] | undefined;
  onResult?: ((name: string, r: DeliveryResult) => void) | undefined;
  /** The lifecycle's wake (injected in tests). */
  wake?: typeof realWake | undefined;
  /** 'send' for `fleet send <name>` (one exact name). */
  kind?: 'send' | 'broadcast' | undefined;
  /** Resolve and list the targets; record and send nothing. */
  dryRun?: boolean | undefined;
  /** Targets delivered at once (default 24). */
  concurrency?: number | undefined;
  /** Passed to every deliverToLive (timeouts and such). */
  deliver?: Omit<DeliverOptions, 'beforePaste' | 'resume' | 'maxTextBytes'> | undefined;
  /** How long to wait for another process's delivery to the same agent (default 60 s). */
  lockWaitMs?: number | undefined;
  /**
   * Run capture-pane / send-keys over one tmux control-mode connection instead of a process each
   * (the paste still goes through load-buffer's stdin). Default: on from CONTROL_MODE_MIN targets.
   */
  controlMode?: boolean | undefined;
}

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
/** From this many targets, broadcast talks to tmux over a control-mode connection (fewer processes). */
export const CONTROL_MODE_MIN = 8;

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

function summaryOf(ledger: Ledger, run: RunRow, created: boolean, targets: PlannedTarget[]): RunSummary {
  const results = ledger.deliveries(run.id).map(resultFromRow);
  return { runId: run.id, created, dryRun: false, text: run.text, targets, results, counts: countOf(results), ok: results.every((r) => r.state !== 'failed') };
}

/**
 * Sends `text` to every agent the selectors name. Errors before anything is recorded: undeliverable
 * text (ConfigError), a selector that matches nothing (OperationError), an idempotency key reused
 * with other text (ConfigError), an unusable ledger (LedgerError).
 */
export async function broadcast(ctx: FleetContext, o: BroadcastOptions): Promise<RunSummary> {
  const p = textProblem(o.text, ctx.roster.defaults.maxTextBytes);
  if (p) throw new ConfigError(`text: ${p}`);
  if (o.selector.length === 0) throw new ConfigError('no targets: give agent names or selectors (all, class:x, tag:x, state:idle, runtime:x, coder*, @marked)');
  const rows = await snapshot(ctx);
  const res = resolveSelectors(o.selector, rows, o.marked ?? []);
  if (res.unknown.length) {
    const why = res.problems.map((q) => `  ${sanitize(q.selector)}: ${q.message}`).join('\n');
    throw new OperationError(`${res.unknown.length === o.selector.length ? 'nothing matched' : 'some selectors matched nothing'}; nothing was sent:\n${why}`);
  }
  const byName = new Map(rows.map((r) => [r.name, r]));
  const noWake = !!o.noWake;
  const targets: PlannedTarget[] = res.names.map((name) => ({ name, ...planFor(byName.get(name), noWake) }));
  if (o.dryRun) return { runId: null, created: false, dryRun: true, text: o.text, targets, results: [], counts: {}, ok: true };

  const ledger = Ledger.open(ctx.paths.ledger);
  try {
    const me = currentProcess();
    const { run, created } = ledger.createRun(
      { kind: o.kind ?? 'broadcast', text: o.text, selector: o.selector, targets: res.names, idempotencyKey: o.idempotencyKey, noWake },
      me,
    );
    if (!created) {
      if (run.text !== o.text) {
        throw new ConfigError(`idempotency key ${JSON.stringify(run.idempotencyKey)} already names run ${run.id}, which sent different text; use another key`);
      }
      if (run.state === 'finished') return summaryOf(ledger, run, false, targets);
    }
    const control = o.controlMode ?? res.names.length >= CONTROL_MODE_MIN ? await connectControl(ctx) : null;
    try {
      const dctx = control ? { ...ctx, tmux: new TmuxClient(ctx.socket, control) } : ctx;
      return await executeRun(dctx, ledger, run, { ...o, created, rows, me });
    } finally {
      await control?.close();
    }
  } finally {
    ledger.close();
  }
}

/** A control-mode connection to the fleet's server, or null (no server yet, or it would not connect). */
async function connectControl(ctx: FleetContext): Promise<ControlClient | null> {
  const c = new ControlClient(ctx.socket, { fallback: ctx.tmux.runner });
  try {
    if (await c.connect()) return c;
  } catch {
    /* fall back to one process per command */
  }
  await c.close().catch(() => undefined);
  return null;
}

interface ExecOptions extends Omit<BroadcastOptions, 'selector' | 'text'> {
  created: boolean;
  resumed?: boolean;
  rows?: readonly AgentRow[];
  me: Me;
}

/** Delivers every pending/pasting delivery of `run`; the run must be claimable. */
async function executeRun(ctx: FleetContext, ledger: Ledger, run: RunRow, o: ExecOptions & { resumed: true }): Promise<RunSummary | null>;
async function executeRun(ctx: FleetContext, ledger: Ledger, run: RunRow, o: ExecOptions): Promise<RunSummary>;
async function executeRun(ctx: FleetContext, ledger: Ledger, run: RunRow, o: ExecOptions): Promise<RunSummary | null> {
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
        ledgerFailure ??= e;
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
    o.onResult?.(name, r);
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

export interface RecoverOptions {
  onResult?: ((run: number, name: string, r: DeliveryResult) => void) | undefined;
  /** Also retry this run's failed and deferred deliveries (failed ones that pasted are checked first). */
  retryRun?: number | undefined;
  wake?: typeof realWake | undefined;
  deliver?: BroadcastOptions['deliver'];
}

/**
 * Finishes every run whose owner died (kill -9, crash, reboot): deliveries left `pasting` are checked
 * against the transcript (and the composer) before anything is pasted again. Returns one summary per
 * run it finished. Does nothing (and opens nothing) when there is no ledger.
 */
export async function recoverRuns(ctx: FleetContext, o: RecoverOptions = {}): Promise<RunSummary[]> {
  if (!fs.existsSync(ctx.paths.ledger)) {
    if (o.retryRun !== undefined) throw new ConfigError(`no run ${o.retryRun}: nothing has been sent yet (no ledger at ${ctx.paths.ledger})`);
    return [];
  }
  const ledger = Ledger.open(ctx.paths.ledger);
  try {
    const me = currentProcess();
    if (o.retryRun !== undefined) {
      const r = ledger.getRun(o.retryRun);
      if (!r) throw new ConfigError(`no run ${o.retryRun} in the ledger (fleet runs lists them)`);
      if (r.state === 'open' && r.ownerPid !== null && ownerAlive(r.ownerPid, r.ownerStart) && r.ownerPid !== me.pid) {
        throw new OperationError(`run ${r.id} is being delivered by another fleet process (pid ${r.ownerPid})`);
      }
      ledger.requeue(r.id, ['failed', 'deferred']);
    }
    const out: RunSummary[] = [];
    for (const run of ledger.openRuns()) {
      if (run.ownerPid !== null && ownerAlive(run.ownerPid, run.ownerStart) && !(run.ownerPid === me.pid && run.ownerStart === me.start)) continue;
      const onResult = o.onResult;
      const s = await executeRun(ctx, ledger, run, {
        created: false,
        resumed: true,
        me,
        ...(onResult ? { onResult: (n: string, r: DeliveryResult) => onResult(run.id, n, r) } : {}),
        ...(o.wake ? { wake: o.wake } : {}),
        ...(o.deliver ? { deliver: o.deliver } : {}),
      });
      if (s) out.push(s);
    }
    return out;
  } finally {
    ledger.close();
  }
}

/** True when the ledger holds a run whose owner is gone (cheap: no tmux, one query). */
export function hasInterruptedRuns(ledgerFile: string): boolean {
  const ledger = Ledger.open(ledgerFile, { readonly: true });
  try {
    return ledger.openRuns().some((r) => r.ownerPid === null || !ownerAlive(r.ownerPid, r.ownerStart));
  } finally {
    ledger.close();
  }
}
