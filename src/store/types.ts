import type {
  AgentFiles,
  AgentState,
  Roster,
  RuntimeName,
  ScreenObs,
  TmuxObservation,
  TranscriptObs,
} from '../domain/types.js';

/** Input modes of the cockpit. Exactly one is active; Esc backs out to `grid`. */
export const MODES = ['grid', 'filter', 'command', 'prompt', 'confirm', 'help'] as const;
export type Mode = (typeof MODES)[number];

export const SORT_KEYS = ['state', 'name', 'activity'] as const;
export type SortKey = (typeof SORT_KEYS)[number];

/** One grid row, fully formatted: a row component only re-renders when this object is replaced. */
export interface RowView {
  name: string;
  runtime: RuntimeName | null;
  state: AgentState;
  /** When the derived state last changed (ms), as the store saw it. */
  stateSinceMs: number | null;
  lastActivityMs: number | null;
  /** Coarse ages ("now", "20s", "5m", "3h", "2d", "-"): they only change when the shown text would. */
  sinceText: string;
  activityText: string;
  class: string | null;
  tags: readonly string[];
  /** Shortened cwd (home → ~). */
  cwd: string | null;
  /** Last task text fleet sent (sanitised, single line), or null. */
  lastTask: string | null;
  managed: 'fleet' | 'external' | null;
}

export type DeliveryState = 'pending' | 'delivered' | 'unconfirmed' | 'deferred' | 'skipped' | 'failed';
export interface DeliveryMark {
  state: DeliveryState;
  reason?: string | undefined;
}

export type ConfirmKind = 'wake' | 'reset' | 'stop' | 'start' | 'broadcast';
export interface ConfirmRequest {
  kind: ConfirmKind;
  targets: readonly string[];
  /** Broadcast text. */
  text?: string | undefined;
  /** Selectors that matched nothing (shown, not sent). */
  unknown?: readonly string[] | undefined;
}

export interface Toast {
  id: number;
  level: 'info' | 'error';
  text: string;
  at: number;
}

export interface RunProgress {
  text: string;
  total: number;
  done: number;
  startedAt: number;
  finished: boolean;
  runId?: string | undefined;
}

/** Raw observations, as the watchers reported them. Maps are replaced, never mutated. */
export interface Observations {
  roster: Roster | null;
  tmux: TmuxObservation | null;
  transcripts: ReadonlyMap<string, TranscriptObs>;
  screens: ReadonlyMap<string, ScreenObs>;
  files: ReadonlyMap<string, AgentFiles>;
}

export interface UiState {
  mode: Mode;
  /** Mode to return to when a confirm or help overlay closes. */
  prevMode: Mode;
  selected: string | null;
  scrollTop: number;
  marks: ReadonlySet<string>;
  filter: string;
  /** Text being typed in filter / command mode. */
  input: string;
  sort: SortKey;
  /** Prompt bar: the task text and the target selector (space-separated). */
  promptText: string;
  promptTargets: string;
  promptField: 'text' | 'targets';
  confirm: ConfirmRequest | null;
  preview: boolean;
  previewText: string | null;
  previewFor: string | null;
  toasts: readonly Toast[];
  quitting: boolean;
}

export interface CockpitState {
  socket: string;
  /** The operator's home directory, for shortening cwds to ~. */
  home: string;
  role: 'supervisor' | 'viewer';
  readOnly: boolean;
  now: number;
  cols: number;
  rows: number;
  obs: Observations;
  rosterError: string | null;
  /** Derived rows keyed by agent name; unchanged rows keep their identity across updates. */
  rowMap: ReadonlyMap<string, RowView>;
  /** Roster order then strays. */
  order: readonly string[];
  /** When each agent's derived state last changed. */
  stateChangedAt: ReadonlyMap<string, { state: AgentState; at: number; estimated?: boolean; informed?: boolean }>;
  deliveries: ReadonlyMap<string, DeliveryMark>;
  run: RunProgress | null;
  ui: UiState;
  nextToastId: number;
}
