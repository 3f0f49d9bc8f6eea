import fs from 'node:fs';
import type { FleetContext } from '../context.js';
import type { AgentFiles, PaneObs, Roster, TmuxObservation, TranscriptObs } from '../domain/types.js';
import { readAgentFiles } from '../state/files.js';
import { scanOf, withDeps, type LifecycleDeps } from './common.js';
import { FileLock, realLiveness, type Liveness, type LockHolder } from './lock.js';
import { wake, type WakeResult } from './wake.js';

export type SuperviseActionKind = 'reap' | 'forget' | 'relaunch';

export interface PlannedAction {
  name: string;
  action: SuperviseActionKind;
  reason: string;
  /** The wake record the plan was made from (acted on only if it is still the same). */
  wokenAt: number | null;
}

export interface PlanInput {
  roster: Roster;
  panes: ReadonlyMap<string, PaneObs>;
  files: ReadonlyMap<string, AgentFiles>;
  /** Transcript scans of the reap candidates (others may be missing). */
  transcripts: ReadonlyMap<string, TranscriptObs | undefined>;
  now: number;
}

/** A live pane fleet woke, nobody attached or recently attached: its transcript decides idleness. */
export function reapCandidate(i: { pane: PaneObs; files: AgentFiles; now: number; attachGraceSecs: number }): boolean {
  const w = i.files.wake;
  if (!w || i.pane.dead) return false;
  if (w.sessionId !== null && w.sessionId !== i.pane.sessionId) return false; // a session fleet did not start
  if (i.pane.attached > 0) return false;
  if (w.attachedAt !== undefined && i.now - w.attachedAt < i.attachGraceSecs * 1000) return false;
  return true;
}

/**
 * What one supervise pass should do (pure). Never touches external or stopped agents. Reaps live
 * sessions fleet woke that have been idle longer than idleSecs; forgets wake records whose session is
 * gone; relaunches (fresh, via the /new mark) an agent whose session died carrying a /new mark.
 */
export function planSupervise(i: PlanInput): PlannedAction[] {
  const out: PlannedAction[] = [];
  const d = i.roster.defaults;
  for (const spec of i.roster.agents) {
    if (spec.managed === 'external') continue;
    const files = i.files.get(spec.name);
    if (!files || files.stopped) continue;
    const pane = i.panes.get(spec.name);
    const wokenAt = files.wake?.wokenAt ?? null;
    if (!pane) {
      if (files.wake && files.newMark) out.push({ name: spec.name, action: 'relaunch', reason: 'session gone with a /new mark', wokenAt });
      else if (files.wake) out.push({ name: spec.name, action: 'forget', reason: 'session gone', wokenAt });
      continue;
    }
    if (pane.dead) {
      if (files.newMark) out.push({ name: spec.name, action: 'relaunch', reason: `session died (status ${pane.deadStatus ?? '?'}) with a /new mark`, wokenAt });
      continue;
    }
    if (!reapCandidate({ pane, files, now: i.now, attachGraceSecs: d.attachGraceSecs })) continue;
    const t = i.transcripts.get(spec.name);
    if (t?.turnOpen === true) continue;
    const w = files.wake!;
    const activity = t === undefined ? pane.activityMs : t.lastActivityMs ?? 0;
    const last = Math.max(activity, w.wokenAt, w.attachedAt ?? 0);
    const idleSecs = spec.idleSecs ?? d.idleSecs;
    const idleFor = i.now - last;
    if (idleFor > idleSecs * 1000) {
      out.push({ name: spec.name, action: 'reap', reason: `idle ${Math.round(idleFor / 1000)}s > ${idleSecs}s`, wokenAt });
    }
  }
  return out;
}

export interface SuperviseActionResult {
  name: string;
  action: SuperviseActionKind;
  reason: string;
  /** done, or skipped (a wake held the agent's lock / the record changed), or failed. */
  result: 'done' | 'skipped' | 'failed';
  error?: string;
  wake?: WakeResult;
}

export interface SuperviseReport {
  at: number;
  /** Whether this process holds the supervisor guard (false: a viewer; nothing was done). */
  supervisor: boolean;
  holder: LockHolder | null;
  actions: SuperviseActionResult[];
  /** The tmux server could not be read: nothing was done this tick. */
  error?: string;
}

export interface Supervisor {
  tick(now?: number): Promise<SuperviseReport>;
  isSupervisor(): boolean;
  /** Who holds the guard (this process or another), for the cockpit header. */
  holder(): LockHolder | null;
  release(): void;
}

export interface SupervisorOptions {
  /** Shown to other processes: `fleet top`, `fleet supervise`. */
  what?: string;
  deps?: Partial<LifecycleDeps>;
  liveness?: Liveness;
  /**
   * A fresh-enough observation someone else already made (the cockpit's watcher), or null to list
   * panes itself. Saves one `list-panes` of the whole server per tick inside `fleet top`.
   */
  observation?: (now: number) => TmuxObservation | null;
  /** The agents' state files as someone else keeps them current (chokidar), or null to read them. */
  files?: () => ReadonlyMap<string, AgentFiles> | null;
  /**
   * An agent's transcript facts as someone else keeps them current (the cockpit's transcript watcher), or
   * undefined to scan. Without it an idle fleet of 200 agents fleet woke cost 200 full transcript scans
   * every tick. Like the observation and files, only used to plan: a plan that would act is redone fresh.
   */
  transcripts?: (name: string) => TranscriptObs | undefined;
}

/**
 * One supervisor per state dir: the guard `supervisor.lock` is taken over only when its holder process
 * is gone (a crashed or killed holder), never because it is silent (a long attach). Every tick first
 * (re)tries the guard, so a viewer becomes the supervisor when the previous one dies.
 */
export function createSupervisor(ctx: FleetContext, opts: SupervisorOptions = {}): Supervisor {
  const deps = withDeps(opts.deps);
  const guard = new FileLock(ctx.paths.supervisorLock, opts.what ?? 'fleet', opts.liveness ?? realLiveness);
  const onExit = (): void => guard.release();
  let hooked = false;

  const isSupervisor = (): boolean => guard.isHeld() && guard.stillMine();

  let inflight: Promise<SuperviseReport> | null = null;
  /** Ticks never overlap: a tick asked for while one runs gets that one's report. */
  function tick(now = deps.now()): Promise<SuperviseReport> {
    if (inflight) return inflight;
    inflight = runTick(now).finally(() => {
      inflight = null;
    });
    return inflight;
  }

  async function runTick(now: number): Promise<SuperviseReport> {
    if (!isSupervisor() && !guard.tryAcquire(now)) {
      return { at: now, supervisor: false, holder: guard.holder(), actions: [] };
    }
    if (!hooked) {
      process.once('exit', onExit);
      hooked = true;
    }
    guard.heartbeat(now);
    const report: SuperviseReport = { at: now, supervisor: true, holder: guard.holder(), actions: [] };
    // Inside the cockpit the plan starts from the watcher's observation and state files (no list-panes,
    // no 3 file reads per agent); only when that plan would act is everything read afresh and replanned,
    // so a stale copy can never reap, forget or relaunch anything.
    const reused = opts.observation?.(now) ?? null;
    let plan = reused ? await planFrom(reused, opts.files?.() ?? null, now, opts.transcripts) : null;
    if (plan === null || (plan.actions.length > 0 && reused)) plan = await planFrom(await ctx.tmux.observe(now), null, now, undefined);
    if (plan.error !== undefined) return { ...report, error: plan.error };
    for (const a of plan.actions) {
      if (a.action === 'reap' && (await needsOperator(a.name))) continue;
      report.actions.push(await act(a));
    }
    return report;
  }

  async function planFrom(
    obs: TmuxObservation,
    known: ReadonlyMap<string, AgentFiles> | null,
    now: number,
    knownTranscript: ((name: string) => TranscriptObs | undefined) | undefined,
  ): Promise<{ actions: PlannedAction[]; error?: string }> {
    if (obs.server === 'down' && obs.reason !== 'no server') return { actions: [], error: obs.reason };
    const panes = obs.server === 'up' ? obs.panes : new Map<string, PaneObs>();
    const files = new Map<string, AgentFiles>();
    const transcripts = new Map<string, TranscriptObs | undefined>();
    await Promise.all(
      ctx.roster.agents.map(async (spec) => {
        const f = known?.get(spec.name) ?? readAgentFiles(ctx.paths, spec.name);
        files.set(spec.name, f);
        const pane = panes.get(spec.name);
        if (spec.managed !== 'external' && !f.stopped && pane && reapCandidate({ pane, files: f, now, attachGraceSecs: ctx.roster.defaults.attachGraceSecs })) {
          transcripts.set(spec.name, knownTranscript?.(spec.name) ?? (await scanOf(deps, spec)));
        }
      }),
    );
    return { actions: planSupervise({ roster: ctx.roster, panes, files, transcripts, now }) };
  }

  /** An idle agent asking a question, or holding the operator's half-typed draft, is not reaped (both would be lost). */
  async function needsOperator(name: string): Promise<boolean> {
    const spec = ctx.roster.agents.find((x) => x.name === name);
    const adapter = spec ? deps.adapterFor(spec.runtime) : undefined;
    if (!adapter) return false;
    let screen: string;
    try {
      screen = await ctx.tmux.capturePane(name);
    } catch {
      return true; // cannot look: leave it this tick
    }
    const draft = adapter.composerDraft(screen);
    return adapter.isWaiting(screen) || (draft !== null && draft.trim() !== '');
  }

  async function act(a: PlannedAction): Promise<SuperviseActionResult> {
    const base = { name: a.name, action: a.action, reason: a.reason };
    // Hold the agent's wake lock while acting, so a wake in progress is never undone.
    const lock = new FileLock(ctx.paths.wakeLock(a.name), `fleet supervise (${a.action} ${a.name})`);
    if (!lock.tryAcquire()) return { ...base, result: 'skipped', error: 'a wake holds the agent' };
    try {
      const f = readAgentFiles(ctx.paths, a.name);
      if (f.stopped || (f.wake?.wokenAt ?? null) !== a.wokenAt) return { ...base, result: 'skipped', error: 'changed meanwhile' };
      if (a.action === 'reap') await ctx.tmux.killSession(a.name);
      fs.rmSync(ctx.paths.wake(a.name), { force: true });
    } catch (e) {
      return { ...base, result: 'failed', error: (e as Error).message };
    } finally {
      lock.release();
    }
    if (a.action !== 'relaunch') return { ...base, result: 'done' };
    try {
      const w = await wake(ctx, a.name, { waitReady: false }, deps);
      const ok = w.outcome === 'ready' || w.outcome === 'already-live';
      return ok ? { ...base, result: 'done', wake: w } : { ...base, result: 'failed', wake: w, error: w.reason ?? w.outcome };
    } catch (e) {
      return { ...base, result: 'failed', error: (e as Error).message };
    }
  }

  return {
    tick,
    isSupervisor,
    holder: () => guard.holder(),
    release() {
      guard.release();
      if (hooked) process.removeListener('exit', onExit);
      hooked = false;
    },
  };
}
