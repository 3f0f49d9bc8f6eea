import fs from 'node:fs';
import type { FleetContext } from '../context.js';
import { OperationError } from '../domain/errors.js';
import { readAgentFiles, setFlag } from '../state/files.js';
import { findSpec, type LifecycleDeps, type VerbResult } from './common.js';
import { FileLock, withLock } from './lock.js';
import { externalReason, wake, type WakeResult } from './wake.js';

export interface StopResult extends VerbResult {
  outcome: 'stopped' | 'refused';
  /** Whether a live session was killed. */
  killed?: boolean;
}

/**
 * Writes the durable stop flag FIRST (a wake that is waiting for the lock then refuses), then, holding
 * the agent's wake lock so no wake is half-way through a launch, kills exactly `=name`. Never the server.
 */
export async function stop(ctx: FleetContext, name: string): Promise<StopResult> {
  const spec = findSpec(ctx, name);
  if (spec.managed === 'external') return { name, outcome: 'refused', reason: externalReason(name) };
  setFlag(ctx.paths.stopped(name), true);
  const lock = new FileLock(ctx.paths.wakeLock(name), `fleet stop ${name}`);
  const killed = await withLock(
    lock,
    ctx.roster.defaults.bootDeadlineSecs * 1000 + 60_000,
    (h) => new OperationError(`${name}: stop flag written, but a wake holds its lock${h ? ` (pid ${h.pid})` : ''}; the session was not killed — run fleet stop ${name} again`),
    async () => {
      const k = await ctx.tmux.killSession(name);
      fs.rmSync(ctx.paths.wake(name), { force: true });
      return k;
    },
  );
  return { name, outcome: 'stopped', killed };
}

export interface StartResult extends VerbResult {
  outcome: 'started' | 'not-stopped' | 'refused' | WakeResult['outcome'];
  wake?: WakeResult;
}

/** Clears the durable stop flag; with `wake`, wakes the agent (default mode) and reports that too. */
export async function start(
  ctx: FleetContext,
  name: string,
  opts: { wake?: boolean | undefined; waitReady?: boolean | undefined } = {},
  deps?: Partial<LifecycleDeps>,
): Promise<StartResult> {
  const spec = findSpec(ctx, name);
  if (spec.managed === 'external') return { name, outcome: 'refused', reason: externalReason(name) };
  const was = readAgentFiles(ctx.paths, name).stopped;
  setFlag(ctx.paths.stopped(name), false);
  const base: StartResult = was ? { name, outcome: 'started' } : { name, outcome: 'not-stopped', reason: `${name} was not stopped` };
  if (!opts.wake) return base;
  const w = await wake(ctx, name, { waitReady: opts.waitReady }, deps);
  const r: StartResult = { name, outcome: w.outcome, wake: w };
  if (w.reason) r.reason = w.reason;
  return r;
}
