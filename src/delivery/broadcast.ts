/**
 * send and broadcast (DESIGN §7): resolve targets, record a durable run, deliver to the targets in
 * parallel (a bounded pool), each agent serially (a per-agent lock across processes), wake asleep
 * targets unless noWake. Execution: execute.ts; crash recovery: recover.ts.
 */
import type { FleetContext } from '../context.js';
import { ConfigError, OperationError } from '../domain/errors.js';
import { resolveSelectors } from '../domain/selectors.js';
import { sanitize } from '../domain/sanitize.js';
import type { wake as realWake } from '../lifecycle/index.js';
import { TmuxClient } from '../tmux/client.js';
import { ControlClient } from '../tmux/control.js';
import { snapshot } from '../watch/snapshot.js';
import type { DeliverOptions } from './deliver.js';
import { currentProcess, executeRun, planFor, summaryOf, type PlannedTarget, type RunSummary } from './execute.js';
import { Ledger } from './ledger.js';
import { textProblem } from './text-input.js';
import type { DeliveryResult } from './types.js';

export { DEFAULT_CONCURRENCY, currentProcess, ownerAlive, planFor, pool, resultFromRow } from './execute.js';
export type { Me, PlannedTarget, RunSummary, TargetResult } from './execute.js';
export { AUTO_RESUME_MAX_AGE_MS, hasInterruptedRuns, interruptedRuns, recoverRuns } from './recover.js';
export type { RecoverOptions } from './recover.js';

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

/** From this many targets, broadcast talks to tmux over a control-mode connection (fewer processes). */
export const CONTROL_MODE_MIN = 8;

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
  const c = new ControlClient(ctx.socket, { fallback: ctx.tmux.runner, subscribe: false });
  try {
    if (await c.connect()) return c;
  } catch {
    /* fall back to one process per command */
  }
  await c.close().catch(() => undefined);
  return null;
}

