import type { AgentSpec, PaneObs, ScreenObs, TmuxObservation } from '../domain/types.js';
import { TMUX_ACTIVITY_RESOLUTION_MS } from '../domain/derive.js';
import { transcriptAdapterFor, type TranscriptAdapter } from '../runtimes/index.js';
import type { TmuxClient } from '../tmux/client.js';

/**
 * Screen checks for `waiting` and drafts (DESIGN §1): capture-pane only for agents whose runtime shows
 * waiting prompts and whose pane output moved since their last capture, and only once that output has
 * settled into an earlier second (tmux's window_activity has 1 s resolution, and a question dialog is static:
 * a pane that keeps animating is working, not asking). A check waits up to ~1 s for just-moved panes to
 * settle (one extra observation), so an event-driven caller sees a question within about a second.
 * All captures of one check go through ONE tmux client (chained capture-pane), in batches of CAPTURE_BATCH.
 */

export const CAPTURE_BATCH = 100;
/** At most this many agents are captured per check; the ones waiting longest go first. */
export const MAX_CAPTURES_PER_CHECK = 128;

export interface ScreenChecker {
  check(obs: TmuxObservation, specs: readonly AgentSpec[], now: number): Promise<Map<string, ScreenObs>>;
}

export interface CaptureTarget {
  name: string;
  adapter: TranscriptAdapter;
}

/** Captures the targets (chained, batched) and reads waiting/draft through each runtime's patterns. */
export async function captureScreens(tmux: TmuxClient, targets: readonly CaptureTarget[]): Promise<Map<string, ScreenObs>> {
  const out = new Map<string, ScreenObs>();
  for (let i = 0; i < targets.length; i += CAPTURE_BATCH) {
    const batch = targets.slice(i, i + CAPTURE_BATCH);
    const at = Date.now(); // the screen is at least this new
    let screens: Map<string, string>;
    try {
      screens = await tmux.capturePanes(batch.map((t) => t.name));
    } catch {
      continue; // tmux timed out or went away: no screen facts this time
    }
    for (const t of batch) {
      const s = screens.get(t.name);
      if (s === undefined) continue;
      out.set(t.name, { at, waiting: t.adapter.isWaiting(s), draft: t.adapter.composerDraft(s) !== null });
    }
  }
  return out;
}

/** Is a live pane worth a screen check for this spec at all? */
export function screenCheckable(spec: AgentSpec, pane: PaneObs | undefined): TranscriptAdapter | undefined {
  if (!pane || pane.dead || spec.managed === 'external') return undefined;
  const a = transcriptAdapterFor(spec.runtime);
  return a?.checksScreen ? a : undefined;
}

/** Output has settled into an earlier second than `now`: a capture now is trusted by deriveState. */
export function settled(pane: PaneObs, now: number): boolean {
  return now >= pane.activityMs + TMUX_ACTIVITY_RESOLUTION_MS;
}

export interface ScreenCheckerOptions {
  /**
   * A pane that just printed is not settled yet, and an event-driven observer may send no further observation
   * once it goes quiet (a question dialog is static). So a check waits, at most this long, for such panes to
   * settle, re-observes once and captures the ones that held still. 0: never wait. Default 1100 ms.
   */
  settleWaitMs?: number;
}

export function createScreenChecker(tmux: TmuxClient, opts: ScreenCheckerOptions = {}): ScreenChecker {
  const settleWaitMs = opts.settleWaitMs ?? TMUX_ACTIVITY_RESOLUTION_MS + 100;
  const last = new Map<string, ScreenObs>();
  return {
    async check(obs, specs, now) {
      if (obs.server !== 'up') {
        last.clear();
        return new Map();
      }
      type Due = CaptureTarget & { pane: PaneObs; prevAt: number };
      const due: Due[] = [];
      const unsettled: Due[] = [];
      const liveNames = new Set<string>();
      for (const spec of specs) {
        const pane = obs.panes.get(spec.name);
        const adapter = screenCheckable(spec, pane);
        if (!adapter || !pane) continue;
        liveNames.add(spec.name);
        const prev = last.get(spec.name);
        const moved = !prev || prev.at < pane.activityMs + TMUX_ACTIVITY_RESOLUTION_MS;
        if (!moved) continue;
        const d = { name: spec.name, adapter, pane, prevAt: prev?.at ?? 0 };
        (settled(pane, now) ? due : unsettled).push(d);
      }
      for (const name of last.keys()) if (!liveNames.has(name)) last.delete(name);
      if (unsettled.length > 0 && settleWaitMs > 0) {
        const newest = Math.max(...unsettled.map((d) => d.pane.activityMs));
        const wait = newest + TMUX_ACTIVITY_RESOLUTION_MS + 20 - Date.now();
        if (wait <= settleWaitMs) {
          if (wait > 0) await new Promise((r) => setTimeout(r, wait));
          const again = await tmux.observe();
          if (again.server === 'up') {
            for (const d of unsettled) {
              const p = again.panes.get(d.name);
              // held still while we waited: a question dialog, a finished answer… worth one capture
              if (p && !p.dead && p.activityMs === d.pane.activityMs && settled(p, Date.now())) due.push({ ...d, pane: p });
            }
          }
        }
      }
      due.sort((a, b) => a.prevAt - b.prevAt);
      const fresh = await captureScreens(tmux, due.slice(0, MAX_CAPTURES_PER_CHECK));
      for (const [name, s] of fresh) last.set(name, s);
      return new Map(last);
    },
  };
}
