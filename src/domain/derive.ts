import type { AgentState, DeriveInput } from './types.js';

export interface Derived {
  state: AgentState;
  /** Best estimate of when this state began (ms), or null when unknown. */
  since: number | null;
  /** Newest activity seen from any source (transcript, or pane activity for shell agents). */
  lastActivityMs: number | null;
}

/**
 * The one pure state function (DESIGN §5). Precedence, first match wins:
 * stopped > external > asleep > dead > booting > waiting > busy > idle.
 * (`stray` is decided by the caller: a session the roster does not name has no DeriveInput.)
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

  if (!shell && ourWake && now - wake.wokenAt < defaults.bootDeadlineSecs * 1000) {
    const moved = tAct !== null && tAct > (wake.baselineMs ?? -Infinity) && tAct >= wake.wokenAt - 1000;
    if (!moved) return { state: 'booting', since: wake.wokenAt, lastActivityMs };
  }

  // A screen check is only trusted when taken after the pane's latest activity.
  if (screen?.waiting && screen.at >= pane.activityMs) return { state: 'waiting', since: screen.at, lastActivityMs };

  if (t?.turnOpen === true) return { state: 'busy', since: null, lastActivityMs };
  if (t?.turnOpen === undefined && lastActivityMs !== null && now - lastActivityMs < busyMs) {
    return { state: 'busy', since: null, lastActivityMs };
  }
  const since = lastActivityMs !== null ? lastActivityMs + (t?.turnOpen === false ? 0 : busyMs) : pane.createdMs;
  return { state: 'idle', since: Math.min(since, now), lastActivityMs };
}
