/** Finishing runs a dead process left behind (kill -9, crash, reboot), and retrying a run's failures. */
import fs from 'node:fs';
import type { FleetContext } from '../context.js';
import { ConfigError, OperationError } from '../domain/errors.js';
import type { wake as realWake } from '../lifecycle/index.js';
import { currentProcess, executeRun, ownerAlive, type ExecOptions, type RunSummary } from './execute.js';
import { Ledger } from './ledger.js';
import type { DeliveryResult } from './types.js';

export interface RecoverOptions {
  onResult?: ((run: number, name: string, r: DeliveryResult) => void) | undefined;
  /** Also retry this run's failed and deferred deliveries (failed ones that pasted are checked first). */
  retryRun?: number | undefined;
  wake?: typeof realWake | undefined;
  deliver?: ExecOptions['deliver'];
  /** Only runs created within this many ms (the automatic check on every verb); older ones are left for `runs resume`. */
  maxAgeMs?: number | undefined;
}

/** The automatic finish on every verb leaves runs older than this to an explicit `fleet runs resume`. */
export const AUTO_RESUME_MAX_AGE_MS = 6 * 3600_000;

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
      if (o.maxAgeMs !== undefined && run.id !== o.retryRun && Date.now() - run.createdAt > o.maxAgeMs) continue;
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

/** Runs whose owner is gone, with their creation time (cheap: no tmux, one query). */
export function interruptedRuns(ledgerFile: string): { id: number; createdAt: number }[] {
  const ledger = Ledger.open(ledgerFile, { readonly: true });
  try {
    return ledger
      .openRuns()
      .filter((r) => r.ownerPid === null || !ownerAlive(r.ownerPid, r.ownerStart))
      .map((r) => ({ id: r.id, createdAt: r.createdAt }));
  } finally {
    ledger.close();
  }
}

export function hasInterruptedRuns(ledgerFile: string): boolean {
  return interruptedRuns(ledgerFile).length > 0;
}
