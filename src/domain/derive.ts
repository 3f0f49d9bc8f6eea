import type { AgentState, DeriveInput } from './types.js';

export interface Derived {
  state: AgentState;
  /** Best estimate of when this state began (ms), or null when unknown. */
  since: number | null;
  /** Newest activity seen from any source (transcript, or pane activity for shell agents). */
  lastActivityMs: number | null;
}

/** tmux reports window_activity in whole seconds: a screen capture is trusted only from the next second on. */
export const TMUX_ACTIVITY_RESOLUTION_MS = 1000;

/**
 * The one pure state function (DESIGN §5, docs/RUNTIMES.md). Precedence, first match wins:
 *   stopped > external > asleep > dead > booting > waiting > busy > idle.
 * (`stray` is decided by the caller: a session the roster does not name has no DeriveInput.)
 *
 * - booting: fleet woke this very session (wake record) less than bootDeadlineSecs ago and the transcript has
 *   not moved past the wake's baseline yet. Past the deadline the agent is judged like any other.
 * - waiting: a screen check taken after the pane's last output shows a question / permission dialog.
 * - busy: the runtime's turn markers say a turn is open; or, with no verdict from markers, the transcript
 *   (or, for every runtime, the pane's output) moved within busyWindowSecs.
 * - idle: live and none of the above — including a turn closed by markers even if the file just moved.
 */
export function deriveState(i: DeriveInput): Derived {
  const { spec, defaults, pane, transcript: t, screen, files, now } = i;
  const shell = spec.runtime === 'shell' && !spec.transcripts;
  const tAct = t?.lastActivityMs ?? null;
  const paneAct = pane ? pane.activityMs : null;
  const lastActivityMs = shell ? paneAct : tAct;

  if (files.stopped) return { state: 'stopped', since: null, lastActivityMs };
  if (spec.managed === 'external') return { state: 'external', since: null, lastActivityMs };
  if (!i.serverUp || !pane) return { state: 'asleep', since: null, lastActivityMs };
  if (pane.dead) return { state: 'dead', since: null, lastActivityMs };

  const busyMs = defaults.busyWindowSecs * 1000;
  const wake = files.wake;
  const ourWake = wake !== null && (wake.sessionId === null || wake.sessionId === pane.sessionId);

  if (!shell && ourWake && wake.readyAt === undefined && now - wake.wokenAt < defaults.bootDeadlineSecs * 1000) {
    const moved = tAct !== null && tAct > (wake.baselineMs ?? -Infinity) && tAct >= wake.wokenAt - 1000;
    if (!moved) return { state: 'booting', since: wake.wokenAt, lastActivityMs };
  }

  // A screen check is only trusted when taken in a later second than the pane's latest output.
  if (screen?.waiting && screen.at >= pane.activityMs + TMUX_ACTIVITY_RESOLUTION_MS) {
    return { state: 'waiting', since: screen.at, lastActivityMs };
  }

  const turn = t?.turnOpen;
  if (turn === true) return { state: 'busy', since: null, lastActivityMs };
  if (turn === undefined) {
    const recent = Math.max(tAct ?? -Infinity, paneAct ?? -Infinity);
    if (Number.isFinite(recent) && now - recent < busyMs) return { state: 'busy', since: null, lastActivityMs };
    const since = Number.isFinite(recent) ? recent + busyMs : pane.createdMs;
    return { state: 'idle', since: Math.min(since, now), lastActivityMs };
  }
  // Closed by markers: idle from the last transcript write.
  return { state: 'idle', since: Math.min(tAct ?? pane.createdMs, now), lastActivityMs };
}
