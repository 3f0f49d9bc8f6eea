import type { AgentFiles, Roster, ScreenObs, TmuxObservation, TranscriptObs } from '../domain/types.js';
import type { ConfirmRequest, DeliveryMark, Mode, RunProgress, SortKey } from './types.js';

/** Data events from the watchers: batched, applied together, then rows are derived once. */
export type DataEvent =
  | { type: 'roster'; roster: Roster }
  | { type: 'roster-error'; message: string }
  | { type: 'tmux'; obs: TmuxObservation }
  | { type: 'transcript'; name: string; obs: TranscriptObs }
  | { type: 'screens'; screens: ReadonlyMap<string, ScreenObs> }
  | { type: 'files'; files: ReadonlyMap<string, AgentFiles> }
  | { type: 'tick'; now: number }
  | { type: 'preview'; name: string; text: string | null };

/** UI events: applied at once (a keypress renders without waiting for a batch). */
export type UiEvent =
  | { type: 'cursor'; delta: number }
  | { type: 'cursor-to'; where: 'top' | 'bottom' }
  | { type: 'page'; dir: 1 | -1 }
  | { type: 'select'; name: string }
  | { type: 'mode'; mode: Mode }
  | { type: 'back' }
  | { type: 'mark-toggle' }
  | { type: 'mark-all-visible' }
  | { type: 'mark-clear' }
  | { type: 'mark-set'; names: readonly string[] }
  | { type: 'input'; text: string }
  | { type: 'backspace' }
  | { type: 'filter-apply' }
  | { type: 'filter-clear' }
  | { type: 'sort'; sort?: SortKey }
  | { type: 'prompt-open'; targets?: string | undefined }
  | { type: 'prompt-field' }
  | { type: 'prompt-clear' }
  | { type: 'confirm'; request: ConfirmRequest }
  | { type: 'preview-toggle' }
  | { type: 'resize'; cols: number; rows: number }
  | { type: 'toast'; level: 'info' | 'error'; text: string; now: number }
  | { type: 'toast-expire'; now: number; ttlMs: number }
  | { type: 'delivery'; name: string; mark: DeliveryMark }
  | { type: 'deliveries-clear' }
  | { type: 'run'; run: RunProgress | null }
  | { type: 'role'; role: 'supervisor' | 'viewer' }
  | { type: 'quit' };

export type CockpitEvent = DataEvent | UiEvent;
