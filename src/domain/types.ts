/**
 * The contracts every area of fleet builds on. Pure types, no I/O.
 * See ../shared/DESIGN.md §1–§5 for what each field means.
 */

export const RUNTIMES = ['claude', 'codex', 'pi', 'gemini', 'shell'] as const;
export type RuntimeName = (typeof RUNTIMES)[number];

export const AGENT_STATES = [
  'stopped',
  'external',
  'asleep',
  'booting',
  'busy',
  'waiting',
  'idle',
  'dead',
  'stray',
] as const;
export type AgentState = (typeof AGENT_STATES)[number];

/** Thresholds and defaults; every field is settable under `defaults:` in the roster. */
export interface Defaults {
  runtime: RuntimeName;
  /** Default working directory (absolute, `~` expanded). */
  cwd: string | undefined;
  /** A transcript written within this many seconds means `busy`. */
  busyWindowSecs: number;
  /** Live agents idle longer than this are reaped by the supervisor (only ones fleet woke). */
  idleSecs: number;
  /** A woken agent must write its transcript within this many seconds to be READY. */
  bootDeadlineSecs: number;
  /** After an operator attach, the supervisor leaves the agent alone for this long. */
  attachGraceSecs: number;
  /** Delivery: text over this many bytes is refused. */
  maxTextBytes: number;
}

/** One agent, as the roster names it, after validation and `~` expansion. */
export interface AgentSpec {
  name: string;
  runtime: RuntimeName;
  cwd: string;
  class: string | undefined;
  tags: readonly string[];
  /** Overrides the runtime's launch command (a shell command line, run by tmux's shell). */
  command: string | undefined;
  /** Overrides the runtime's reset command (text sent to the composer, e.g. `/clear`). */
  reset: string | undefined;
  kickstart: string | undefined;
  env: Readonly<Record<string, string>>;
  managed: 'fleet' | 'external';
  /** Overrides where the runtime's transcripts for this agent are read. */
  transcripts: string | undefined;
  /** Per-agent idle reap threshold; falls back to defaults.idleSecs. */
  idleSecs: number | undefined;
}

export interface Roster {
  version: 1;
  /** Absolute path of the roster file it was read from (or '<demo>' etc.). */
  path: string;
  socket: string;
  defaults: Defaults;
  agents: readonly AgentSpec[];
}

/** One tmux session's first pane, from ONE `list-panes -a` call. */
export interface PaneObs {
  session: string;
  sessionId: string;
  paneId: string;
  pid: number;
  dead: boolean;
  deadStatus: number | null;
  /** window_activity, in ms since epoch (tmux has 1 s resolution). */
  activityMs: number;
  createdMs: number;
  attached: number;
}

export type TmuxObservation =
  | { server: 'up'; at: number; panes: ReadonlyMap<string, PaneObs> }
  | { server: 'down'; at: number; reason: string };

/** What the transcripts of one agent say. Produced by runtimes/ + watch/. */
export interface TranscriptObs {
  /** Newest mtime (ms) of any transcript file of this agent; null when none exists. */
  lastActivityMs: number | null;
  /** The newest session file (absolute path), null when none. */
  sessionFile: string | null;
  /** A runtime-specific reference that resumes this session (id or path), when known. */
  resumeRef: string | null;
  /** true: a turn is open (Codex task_started without task_complete). undefined: runtime has no markers. */
  turnOpen: boolean | undefined;
  /** Why the transcripts could not be read fully (unreadable dir, garbage, too many files). */
  problem: string | undefined;
  /**
   * false: the transcript rules out a question waiting for the operator (e.g. Claude's last record is a plain
   * prompt or an ended turn, not a pending tool call), so a one-shot `fleet ls` skips the screen check.
   * undefined: no opinion (check the screen).
   */
  mayAsk?: boolean | undefined;
}

/** What a capture of the agent's pane showed, and when. */
export interface ScreenObs {
  at: number;
  waiting: boolean;
  draft: boolean;
}

/** Durable record written when fleet woke an agent (agents/<name>.wake.json). */
export interface WakeRecord {
  wokenAt: number;
  mode: 'fresh' | 'resume';
  /** Transcript lastActivityMs at wake time; READY once it moves past this. */
  baselineMs: number | null;
  /** tmux session id created by the wake (`$12`), so a later unrelated session is not mistaken for ours. */
  sessionId: string | null;
  /** When the operator last attached to it (attach grace for the reaper). */
  attachedAt?: number | undefined;
  /**
   * When the wake judged the agent up without transcript movement (nothing was sent, and runtimes such as
   * Claude write nothing until the first turn): the pane settled showing its composer. Ends `booting`.
   */
  readyAt?: number | undefined;
  /** Last task text sent by fleet (shown in the grid). */
  lastTask?: string | undefined;
  lastTaskAt?: number | undefined;
}

/** State-dir facts about one agent. */
export interface AgentFiles {
  stopped: boolean;
  newMark: boolean;
  wake: WakeRecord | null;
}

export interface DeriveInput {
  spec: AgentSpec;
  defaults: Defaults;
  pane: PaneObs | undefined;
  /** false when the tmux server is down or could not be read. */
  serverUp: boolean;
  transcript: TranscriptObs | undefined;
  screen: ScreenObs | undefined;
  files: AgentFiles;
  now: number;
}

/** One row of `fleet ls --json` (DESIGN §8). */
export interface AgentRow {
  name: string;
  runtime: RuntimeName | null;
  state: AgentState;
  session: string | null;
  cwd: string | null;
  class: string | null;
  tags: string[];
  lastActivityAt: string | null;
  stateSince: string | null;
  pid: number | null;
  stopped: boolean;
  managed: 'fleet' | 'external' | null;
}
