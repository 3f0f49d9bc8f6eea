import type { FleetContext } from '../context.js';
import type { DeliveryResult } from '../delivery/types.js';
import { readAgentFiles, setFlag } from '../state/files.js';
import { findSpec, hasTranscripts, paneOf, scanOf, waitPaneSettled, withDeps, type LifecycleDeps, type VerbResult } from './common.js';
import { externalReason, stoppedReason, wake, type WakeResult } from './wake.js';

export interface ResetOptions {
  /** Send `/clear` or `/new` instead of the roster's / runtime's reset command. */
  how?: 'clear' | 'new' | undefined;
  /** How long to wait for the new session file (default 15 s). */
  verifyTimeoutMs?: number | undefined;
}

export interface ResetResult extends VerbResult {
  /** reset: reset in place and verified; restarted: killed and woken fresh; woken-fresh: was asleep. */
  outcome: 'reset' | 'restarted' | 'woken-fresh' | 'refused' | 'failed';
  interrupted?: boolean;
  kickstart?: DeliveryResult;
  wake?: WakeResult;
}

/** The text typed to reset: --clear/--new, else the roster's `reset:`, else the runtime's; null: restart. */
export function resetText(how: ResetOptions['how'], rosterReset: string | undefined, runtimeReset: string | null): string | null {
  if (how) return `/${how}`;
  return rosterReset ?? runtimeReset;
}

/**
 * Fresh context for a reusable slot (DESIGN §6): interrupt if busy, type the reset command, verify a new
 * session file appeared, then the kickstart. When the runtime cannot reset in place, or the reset
 * cannot be verified, restart fresh (a /new mark makes any racing wake fresh too).
 */
export async function reset(ctx: FleetContext, name: string, opts: ResetOptions = {}, depsIn?: Partial<LifecycleDeps>): Promise<ResetResult> {
  const deps = withDeps(depsIn);
  const spec = findSpec(ctx, name);
  if (spec.managed === 'external') return { name, outcome: 'refused', reason: externalReason(name) };
  if (readAgentFiles(ctx.paths, name).stopped) return { name, outcome: 'refused', reason: stoppedReason(name) };

  const pane = await paneOf(ctx, name);
  if (!pane) return fromWake('woken-fresh', await wake(ctx, name, { mode: 'fresh' }, deps));
  if (pane.dead) return restartFresh(ctx, deps, name, 'its process had exited');

  const adapter = deps.adapterFor(spec.runtime);
  const text = adapter ? resetText(opts.how, spec.reset, adapter.resetCommand(spec)) : null;
  if (!adapter || text === null) return restartFresh(ctx, deps, name, `runtime ${spec.runtime} cannot reset in place`);

  let screen = await ctx.tmux.capturePane(name).catch(() => '');
  let interrupted = false;
  if (adapter.isWaiting(screen)) {
    // Never type into a question: its Enter would answer it. Dismiss it with the interrupt key, or refuse.
    if (adapter.interruptKey) {
      await ctx.tmux.sendKeys(name, adapter.interruptKey);
      interrupted = true;
      screen = (await waitPaneSettled(ctx, deps, name, 3_000, 400)).screen;
    }
    if (adapter.isWaiting(screen)) {
      return { name, outcome: 'refused', reason: `${name} is asking the operator a question; answer it (fleet attach ${name}) before resetting` };
    }
  }
  const draft = adapter.composerDraft(screen);
  if (draft !== null && draft.trim() !== '') {
    return { name, outcome: 'refused', reason: `${name}'s composer holds a draft (${JSON.stringify(draft.slice(0, 40))}); attach and clear it first` };
  }

  const before = await scanOf(deps, spec);
  const busyMs = ctx.roster.defaults.busyWindowSecs * 1000;
  const busy = before?.turnOpen === true || (before?.lastActivityMs != null && deps.now() - before.lastActivityMs < busyMs);
  if (busy && !interrupted && adapter.interruptKey) {
    await ctx.tmux.sendKeys(name, adapter.interruptKey);
    interrupted = true;
    await waitPaneSettled(ctx, deps, name, 3_000, 400);
  }
  await ctx.tmux.sendLiteral(name, text);
  await ctx.tmux.sendKeys(name, 'Enter');

  if (!hasTranscripts(deps, spec)) {
    const r: ResetResult = { name, outcome: 'reset', reason: `${text} sent; the runtime keeps no transcript to verify it` };
    if (interrupted) r.interrupted = true;
    return r;
  }
  const deadline = deps.now() + (opts.verifyTimeoutMs ?? 15_000);
  for (;;) {
    const t = await scanOf(deps, spec);
    const moved = t && ((t.sessionFile !== null && t.sessionFile !== (before?.sessionFile ?? null)) || (t.resumeRef !== null && t.resumeRef !== (before?.resumeRef ?? null)));
    if (moved) break;
    if (deps.now() >= deadline) {
      const r = await restartFresh(ctx, deps, name, `${text} was not confirmed (no new session file within ${Math.round((opts.verifyTimeoutMs ?? 15_000) / 1000)}s)`);
      return interrupted ? { ...r, interrupted } : r;
    }
    await deps.sleep(150);
  }
  const r: ResetResult = { name, outcome: 'reset' };
  if (interrupted) r.interrupted = true;
  if (spec.kickstart) {
    await waitPaneSettled(ctx, deps, name, 5_000, 400);
    r.kickstart = await deps.deliver(ctx.tmux, spec, spec.kickstart);
    if (r.kickstart.state !== 'delivered' && r.kickstart.state !== 'unconfirmed') {
      return { ...r, outcome: 'failed', reason: `reset, but the kickstart was not delivered: ${r.kickstart.state}${r.kickstart.reason ? ` (${r.kickstart.reason})` : ''}` };
    }
  }
  return r;
}

function fromWake(outcome: 'woken-fresh' | 'restarted', w: WakeResult, why?: string): ResetResult {
  const ok = w.outcome === 'ready' || w.outcome === 'already-live';
  const r: ResetResult = { name: w.name, outcome: ok ? outcome : w.outcome === 'refused' ? 'refused' : 'failed', wake: w };
  const reason = [why, ok ? undefined : w.reason].filter(Boolean).join('; ');
  if (reason) r.reason = reason;
  if (w.kickstart) r.kickstart = w.kickstart;
  return r;
}

async function restartFresh(ctx: FleetContext, deps: LifecycleDeps, name: string, why: string): Promise<ResetResult> {
  setFlag(ctx.paths.newMark(name), true, `reset ${new Date(deps.now()).toISOString()}\n`);
  await ctx.tmux.killSession(name);
  return fromWake('restarted', await wake(ctx, name, { mode: 'fresh' }, deps), `restarted fresh: ${why}`);
}
