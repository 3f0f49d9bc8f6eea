import fs from 'node:fs';
import type { FleetContext } from '../context.js';
import { OperationError } from '../domain/errors.js';
import { readAgentFiles, updateWakeRecord } from '../state/files.js';
import { tmuxClientEnv } from '../tmux/runner.js';
import { findSpec, paneOf, withDeps, type LifecycleDeps, type VerbResult } from './common.js';
import { externalReason, stoppedReason, wake, type WakeResult } from './wake.js';

export interface AttachPlan {
  name: string;
  /** Full argv, starting with `tmux`; run it with inherited stdio. */
  argv: string[];
  /** The environment to run it with (TMUX removed for attach-session, kept for switch-client). */
  env: Record<string, string>;
  /** true: we are inside a client of the same tmux server, so argv is a `switch-client`. */
  inside: boolean;
  /** Present when the agent had to be woken first. */
  woke?: WakeResult;
  /** Call when the operator comes back (tmux returned): the reaper's grace period runs from then. */
  detached(): void;
}

function realpathOr(p: string): string {
  try {
    return fs.realpathSync(p);
  } catch {
    return p;
  }
}

/** Does `$TMUX` (`<socket path>,<pid>,<session>`) point at this server's socket? */
export function insideSameServer(tmuxEnv: string | undefined, serverSocketPath: string | null): boolean {
  if (!tmuxEnv || !serverSocketPath) return false;
  const sock = tmuxEnv.split(',')[0] ?? '';
  return sock !== '' && realpathOr(sock) === realpathOr(serverSocketPath);
}

/**
 * Ensures the agent is live (waking it — resume when it has a transcript — when asleep), records the
 * attach for the reaper's grace period, and returns the tmux argv to hand the terminal to.
 */
export async function prepareAttach(
  ctx: FleetContext,
  name: string,
  opts: { env?: NodeJS.ProcessEnv } = {},
  depsIn?: Partial<LifecycleDeps>,
): Promise<AttachPlan> {
  const deps = withDeps(depsIn);
  const env = opts.env ?? process.env;
  const spec = findSpec(ctx, name);
  if (readAgentFiles(ctx.paths, name).stopped) throw new OperationError(stoppedReason(name));
  const pane = await paneOf(ctx, name);
  let woke: WakeResult | undefined;
  if (!pane) {
    if (spec.managed === 'external') throw new OperationError(`${externalReason(name)}; it has no session to attach to`);
    woke = await wake(ctx, name, { waitReady: false }, deps);
    if (woke.outcome !== 'ready' && woke.outcome !== 'already-live') throw new OperationError(`${name}: cannot attach: ${woke.reason ?? woke.outcome}`);
  }
  updateWakeRecord(ctx.paths, name, { attachedAt: deps.now() });
  const inside = insideSameServer(env.TMUX, env.TMUX ? await ctx.tmux.socketPath() : null);
  const argv = ['tmux', ...(await ctx.tmux.attachArgs(name, inside))];
  const runEnv = inside ? Object.fromEntries(Object.entries(env).filter((e): e is [string, string] => e[1] !== undefined)) : tmuxClientEnv(env);
  const plan: AttachPlan = { name, argv, env: runEnv, inside, detached: () => updateWakeRecord(ctx.paths, name, { attachedAt: deps.now() }) };
  if (woke) plan.woke = woke;
  return plan;
}

export interface AttachResult extends VerbResult {
  outcome: 'detached' | 'switched' | 'failed';
  woke?: WakeResult;
}

/** CLI attach: runs the plan with the terminal, returns when the operator detaches. */
export async function attach(ctx: FleetContext, name: string, depsIn?: Partial<LifecycleDeps>): Promise<AttachResult> {
  const deps = withDeps(depsIn);
  const plan = await prepareAttach(ctx, name, {}, deps);
  const [bin = 'tmux', ...args] = plan.argv;
  // Imported here, not at the top: execa and what it loads cost every start of fleet (docs/BENCH.md).
  const { execa } = await import('execa');
  const r = await execa(bin, args, { stdio: 'inherit', env: plan.env, extendEnv: false, reject: false });
  // The grace period runs from when the operator left, not from when they arrived.
  plan.detached();
  const out: AttachResult = { name, outcome: r.exitCode === 0 ? (plan.inside ? 'switched' : 'detached') : 'failed' };
  if (r.exitCode !== 0) out.reason = `tmux exited with status ${r.exitCode ?? '?'}`;
  if (plan.woke) out.woke = plan.woke;
  return out;
}
