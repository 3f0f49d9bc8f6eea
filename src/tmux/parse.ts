import type { PaneObs } from '../domain/types.js';

/**
 * The ONE observation call's format. Fields are joined by a printable separator that cannot occur in
 * a tmux session name (tmux replaces ':' in names); every other field is a number or an id.
 * Not `pane_current_command`: nothing fleet derives uses it, and it is the dearest field by far — tmux
 * reads /proc for it per pane on every call (≈ 2–2.5 ms of the server's ≈ 11 ms for one list-panes at 500
 * agents, measured field by field; docs/BENCH.md).
 */
export const FIELD_SEP = ':|:';
const FIELDS = [
  '#{session_name}',
  '#{session_id}',
  '#{window_index}',
  '#{pane_index}',
  '#{pane_id}',
  '#{pane_pid}',
  '#{pane_dead}',
  '#{pane_dead_status}',
  '#{window_activity}',
  '#{session_created}',
  '#{session_attached}',
] as const;
export const LIST_PANES_FORMAT = FIELDS.join(FIELD_SEP);

export interface ParseResult {
  panes: Map<string, PaneObs>;
  /** Lines that did not parse (reported, never fatal). */
  bad: string[];
}

function int(s: string | undefined): number | null {
  if (s === undefined || !/^-?\d+$/.test(s)) return null;
  return Number(s);
}

/** Parses `list-panes -a -F LIST_PANES_FORMAT` output; keeps the first pane (lowest window.pane) per session. */
export function parseListPanes(stdout: string): ParseResult {
  const panes = new Map<string, PaneObs>();
  const order = new Map<string, number>();
  const bad: string[] = [];
  for (const line of stdout.split('\n')) {
    if (line.length === 0) continue;
    const parts = line.split(FIELD_SEP);
    if (parts.length !== FIELDS.length) {
      bad.push(line);
      continue;
    }
    const [session, sessionId, win, pane, paneId, pid, dead, deadStatus, activity, created, attached] = parts;
    const w = int(win);
    const p = int(pane);
    const pidN = int(pid);
    const act = int(activity);
    const cr = int(created);
    if (!session || !sessionId?.startsWith('$') || !paneId?.startsWith('%') || w === null || p === null || act === null || cr === null) {
      bad.push(line);
      continue;
    }
    const rank = w * 100_000 + p;
    const prev = order.get(session);
    if (prev !== undefined && prev <= rank) continue;
    order.set(session, rank);
    panes.set(session, {
      session,
      sessionId,
      paneId,
      pid: pidN ?? 0,
      dead: dead === '1',
      deadStatus: int(deadStatus),
      activityMs: act * 1000,
      createdMs: cr * 1000,
      attached: int(attached) ?? 0,
    });
  }
  return { panes, bad };
}

/**
 * tmux's wording when no server listens on the socket — including a server caught while it exits
 * ("server exited unexpectedly" when a kill-server races the call), which is a server going down, not a fault.
 */
export function isNoServer(stderr: string): boolean {
  return /no server running|error connecting to .*\((No such file or directory|Connection refused)\)|Connection refused|server exited unexpectedly|^server exited$/im.test(stderr);
}
