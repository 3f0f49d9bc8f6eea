import fs from 'node:fs';
import type { FleetContext } from '../context.js';
import { OperationError } from '../domain/errors.js';
import type { AgentSpec, TranscriptObs } from '../domain/types.js';
import type { DeliveryResult } from '../delivery/types.js';
import { readAgentFiles, updateWakeRecord, writeWakeRecord } from '../state/files.js';
import { TmuxError } from '../tmux/client.js';
import { canResume, findSpec, hasTranscripts, isDir, launchEnv, paneOf, scanOf, screenTail, waitPaneSettled, withDeps, type LifecycleDeps } from './common.js';
import { FileLock, withLock } from './lock.js';

export type WakeMode = 'fresh' | 'resume';

export interface WakeOptions {
  /** Explicit mode; default: resume when a transcript exists, else fresh (a /new mark always wins: fresh). */
  mode?: WakeMode | undefined;
  /** Sent after the kickstart (fresh) or alone (resume); also delivered to an already-live agent. */
  task?: string | undefined;
  /** Wait for the ready gate (transcript moves past its baseline). Default true. */
  waitReady?: boolean | undefined;
}

export interface WakeResult {
  name: string;
  outcome: 'ready' | 'already-live' | 'failed' | 'refused';
  mode?: WakeMode;
  reason?: string;
  /** Delivery of the roster's kickstart (fresh wakes only). */
  kickstart?: DeliveryResult;
  /** Delivery of `task`. */
  task?: DeliveryResult;
  /** true when the agent was refused because of its durable stop flag. */
  stopped?: boolean;
}

export type WakeDecision = { mode: WakeMode; resumeRef: string | null; consumeMark: boolean } | { fail: string };

/**
 * Resume vs fresh, in the seed's order (DESIGN §6): 1. a /new mark → fresh, consume it; 2. explicit
 * fresh; 3. explicit resume, failing loudly when nothing can be resumed; 4. default: resume when a
 * transcript exists, else fresh. Pure.
 */
export function decideWakeMode(i: {
  newMark: boolean;
  requested: WakeMode | undefined;
  /** The runtime can resume at all (has an adapter with transcripts). */
  resumable: boolean;
  transcript: TranscriptObs | undefined;
  runtime: string;
}): WakeDecision {
  if (i.newMark) return { mode: 'fresh', resumeRef: null, consumeMark: true };
  if (i.requested === 'fresh') return { mode: 'fresh', resumeRef: null, consumeMark: false };
  const has = i.resumable && !!i.transcript && (i.transcript.sessionFile !== null || i.transcript.resumeRef !== null);
  const ref = i.transcript?.resumeRef ?? null;
  if (i.requested === 'resume') {
    if (!i.resumable) return { fail: `runtime ${i.runtime} cannot resume a session; wake it without --resume` };
    if (!has) return { fail: `nothing to resume: no transcript found${i.transcript?.problem ? ` (${i.transcript.problem})` : ''}; wake it with --fresh` };
    return { mode: 'resume', resumeRef: ref, consumeMark: false };
  }
  return has ? { mode: 'resume', resumeRef: ref, consumeMark: false } : { mode: 'fresh', resumeRef: null, consumeMark: false };
}

export function stoppedReason(name: string): string {
  return `${name} is stopped — run fleet start ${name}`;
}
export function externalReason(name: string): string {
  return `${name} is managed externally (managed: external); fleet does not wake, reset, stop or reap it`;
}

/** How long a pane must hold still to count as settled. */
const SETTLE_MS = 600;

const okDelivery = (d: DeliveryResult | undefined): boolean => !d || d.state === 'delivered' || d.state === 'unconfirmed';

/**
 * Wake-on-miss (DESIGN §6): refuse stopped/external; under a per-agent lock reuse a live session or
 * launch one (holder first, agent's cwd and env), send the kickstart (fresh) then the task, and wait
 * for the transcript to move past its baseline within the boot deadline.
 */
export async function wake(ctx: FleetContext, name: string, opts: WakeOptions = {}, depsIn?: Partial<LifecycleDeps>): Promise<WakeResult> {
  const deps = withDeps(depsIn);
  const spec = findSpec(ctx, name);
  if (spec.managed === 'external') return { name, outcome: 'refused', reason: externalReason(name) };
  if (readAgentFiles(ctx.paths, name).stopped) return { name, outcome: 'refused', stopped: true, reason: stoppedReason(name) };

  const bootMs = ctx.roster.defaults.bootDeadlineSecs * 1000;
  const lock = new FileLock(ctx.paths.wakeLock(name), `fleet wake ${name}`);
  const launched = await withLock(
    lock,
    bootMs + 60_000,
    (h) => new OperationError(`${name}: another wake holds its lock${h ? ` (pid ${h.pid}, ${h.what})` : ''}; try again`),
    () => launchLocked(ctx, deps, spec, opts, bootMs),
  );
  if (launched.outcome !== 'launched') return launched.result;
  const r = launched.result;
  if (opts.waitReady === false) return { ...r, reason: 'launched; readiness not awaited (booting)' };
  const ready = await waitReady(ctx, deps, spec, launched.baselineMs, launched.wokenAt, bootMs, !launched.sent);
  if (ready !== null) return { ...r, outcome: 'failed', reason: ready };
  return r;
}

type Launched =
  | { outcome: 'done'; result: WakeResult }
  | { outcome: 'launched'; result: WakeResult; baselineMs: number | null; wokenAt: number; sent: boolean };

async function launchLocked(ctx: FleetContext, deps: LifecycleDeps, spec: AgentSpec, opts: WakeOptions, bootMs: number): Promise<Launched> {
  const name = spec.name;
  const done = (result: WakeResult): Launched => ({ outcome: 'done', result });
  // Re-check inside the lock: a stop that landed while we waited must win.
  const files = readAgentFiles(ctx.paths, name);
  if (files.stopped) return done({ name, outcome: 'refused', stopped: true, reason: stoppedReason(name) });

  const pane = await paneOf(ctx, name);
  if (pane && !pane.dead) {
    const r: WakeResult = { name, outcome: 'already-live' };
    if (opts.task) {
      // Woken a moment ago by someone else: let it come up before pasting into it.
      const w = files.wake;
      if (w && w.sessionId === pane.sessionId && deps.now() - w.wokenAt < bootMs) await waitPaneSettled(ctx, deps, name, Math.max(0, w.wokenAt + bootMs - deps.now()));
      r.task = await deliverTask(ctx, deps, spec, opts.task);
      if (!okDelivery(r.task)) return done({ ...r, outcome: 'failed', reason: `live, but the task was not delivered: ${r.task.state}${r.task.reason ? ` (${r.task.reason})` : ''}` });
    }
    return done(r);
  }
  if (!isDir(spec.cwd)) return done({ name, outcome: 'failed', reason: `cwd ${spec.cwd} does not exist (roster ${ctx.rosterPath})` });

  const adapter = deps.adapterFor(spec.runtime);
  const before = await scanOf(deps, spec);
  const decision = decideWakeMode({
    newMark: files.newMark,
    requested: opts.mode,
    resumable: canResume(deps, spec),
    transcript: before,
    runtime: spec.runtime,
  });
  if ('fail' in decision) return done({ name, outcome: 'failed', ...(opts.mode ? { mode: opts.mode } : {}), reason: decision.fail });
  const mode = decision.mode;
  let command: string;
  if (adapter) command = adapter.launchCommand(spec, mode, decision.resumeRef);
  else if (spec.command) command = spec.command;
  else return done({ name, outcome: 'failed', mode, reason: `runtime ${spec.runtime} has no adapter and the roster gives no command: for ${name}` });

  // A session whose process exited (pane_dead) is replaced; the holder keeps the server alive meanwhile.
  try {
    await ctx.tmux.ensureHolder();
  } catch (e) {
    return done({ name, outcome: 'failed', mode, reason: (e as Error).message });
  }
  if (pane?.dead) await ctx.tmux.killSession(name);
  const wokenAt = deps.now();
  let sessionId: string;
  try {
    ({ sessionId } = await ctx.tmux.newSession({ name, cwd: spec.cwd, command, env: launchEnv(spec) }));
  } catch (e) {
    // tmux makes session names unique: a session another process (not fleet) just created wins.
    if (e instanceof TmuxError && /duplicate session/i.test(e.message)) return done({ name, outcome: 'already-live' });
    return done({ name, outcome: 'failed', mode, reason: `cannot start session: ${(e as Error).message}` });
  }
  if (decision.consumeMark) fs.rmSync(ctx.paths.newMark(name), { force: true });
  const baselineMs = before?.lastActivityMs ?? null;
  writeWakeRecord(ctx.paths, name, { wokenAt, mode, baselineMs, sessionId });

  const r: WakeResult = { name, outcome: 'ready', mode };
  const kick = mode === 'fresh' && spec.kickstart ? spec.kickstart : undefined;
  if (kick || opts.task) {
    const up = await waitPaneSettled(ctx, deps, name, bootMs);
    if (up.dead) return done({ ...r, outcome: 'failed', reason: `the agent exited during boot${up.screen ? `: ${screenTail(up.screen)}` : ''}` });
    if (kick) {
      r.kickstart = await deps.deliver(ctx.tmux, spec, kick);
      if (!okDelivery(r.kickstart)) return done({ ...r, outcome: 'failed', reason: `kickstart not delivered: ${r.kickstart.state}${r.kickstart.reason ? ` (${r.kickstart.reason})` : ''}` });
    }
    if (opts.task) {
      r.task = await deliverTask(ctx, deps, spec, opts.task);
      if (!okDelivery(r.task)) return done({ ...r, outcome: 'failed', reason: `task not delivered: ${r.task.state}${r.task.reason ? ` (${r.task.reason})` : ''}` });
    }
  }
  return { outcome: 'launched', result: r, baselineMs, wokenAt, sent: Boolean(kick || opts.task) };
}

async function deliverTask(ctx: FleetContext, deps: LifecycleDeps, spec: AgentSpec, task: string): Promise<DeliveryResult> {
  const d = await deps.deliver(ctx.tmux, spec, task);
  if (okDelivery(d)) updateWakeRecord(ctx.paths, spec.name, { lastTask: task.slice(0, 500), lastTaskAt: deps.now() });
  return d;
}

/**
 * The ready gate: null once the transcript moved past its baseline (or, for a runtime without
 * transcripts, once the pane holds still); else the reason it failed. The session is left as it is.
 * `nothingSent`: no kickstart or task went in, and real runtimes (Claude, Codex) write no transcript until
 * the first turn — so the agent is also ready once its pane settles showing the composer (recorded as
 * the wake record's readyAt, which ends `booting`). A pane that settles on something else (a trust or
 * login dialog) keeps waiting and fails at the deadline with what it shows.
 */
export async function waitReady(
  ctx: FleetContext,
  deps: LifecycleDeps,
  spec: AgentSpec,
  baselineMs: number | null,
  wokenAt: number,
  bootMs: number,
  nothingSent = false,
): Promise<string | null> {
  const name = spec.name;
  const deadline = wokenAt + bootMs;
  const composerVisible = deps.adapterFor(spec.runtime)?.composerVisible;
  let lastScreen = '';
  let stableSince = deps.now();
  if (!hasTranscripts(deps, spec)) {
    const up = await waitPaneSettled(ctx, deps, name, Math.max(0, deadline - deps.now()));
    if (up.dead) return `the agent exited during boot${up.screen ? `: ${screenTail(up.screen)}` : ''}`;
    return up.settled ? null : `the pane did not settle within ${bootMs / 1000}s (session left for inspection: fleet attach ${name})`;
  }
  for (;;) {
    const t = await scanOf(deps, spec);
    const act = t?.lastActivityMs ?? null;
    if (act !== null && act > (baselineMs ?? -Infinity) && act >= wokenAt - 1000) return null;
    const pane = await paneOf(ctx, name);
    if (!pane || pane.dead) {
      const screen = pane ? await ctx.tmux.capturePane(name).catch(() => '') : '';
      const status = pane?.deadStatus !== null && pane?.deadStatus !== undefined ? ` with status ${pane.deadStatus}` : '';
      return pane
        ? `the agent exited${status} before writing its transcript${screen ? `: ${screenTail(screen)}` : ''}`
        : 'the session vanished during boot';
    }
    if (nothingSent) {
      // One capture per poll, so the transcript is re-checked between captures.
      const screen = await ctx.tmux.capturePane(name).catch(() => '');
      const now = deps.now();
      if (screen !== lastScreen) {
        lastScreen = screen;
        stableSince = now;
      } else if (screen.trim() !== '' && now - stableSince >= SETTLE_MS && (composerVisible === undefined || composerVisible(screen))) {
        updateWakeRecord(ctx.paths, name, { readyAt: now });
        return null;
      }
    }
    if (deps.now() >= deadline) {
      const shows = nothingSent && lastScreen.trim() ? `; its screen settled without a composer, showing: ${screenTail(lastScreen)}` : '';
      return `no transcript activity within the boot deadline (${bootMs / 1000}s)${t?.problem ? `: ${t.problem}` : ''}${shows}; session left for inspection: fleet attach ${name}`;
    }
    await deps.sleep(200);
  }
}
