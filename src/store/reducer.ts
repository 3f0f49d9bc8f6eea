import type { ScreenObs, TmuxObservation } from '../domain/types.js';
import type { CockpitEvent, DataEvent, UiEvent } from './events.js';
import { recomputeRows, samePane } from './rows.js';
import { gridHeight, visibleNames } from './selectors.js';
import { SORT_KEYS, type CockpitState, type UiState } from './types.js';

const TOAST_LIMIT = 4;

export function initialUi(): UiState {
  return {
    mode: 'grid',
    prevMode: 'grid',
    selected: null,
    scrollTop: 0,
    marks: new Set(),
    filter: '',
    input: '',
    sort: 'state',
    promptText: '',
    promptTargets: '',
    promptField: 'text',
    confirm: null,
    preview: false,
    previewText: null,
    previewFor: null,
    toasts: [],
    quitting: false,
  };
}

export interface InitialOptions {
  socket: string;
  home: string;
  readOnly?: boolean;
  now: number;
  cols?: number;
  rows?: number;
}

export function initialState(o: InitialOptions): CockpitState {
  return {
    socket: o.socket,
    home: o.home,
    role: 'viewer',
    readOnly: o.readOnly ?? false,
    now: o.now,
    cols: o.cols ?? 100,
    rows: o.rows ?? 30,
    obs: { roster: null, tmux: null, transcripts: new Map(), screens: new Map(), files: new Map() },
    rosterError: null,
    rowMap: new Map(),
    order: [],
    stateChangedAt: new Map(),
    deliveries: new Map(),
    run: null,
    ui: initialUi(),
    nextToastId: 1,
  };
}

function isData(e: CockpitEvent): e is DataEvent {
  return ['roster', 'roster-error', 'tmux', 'transcript', 'screens', 'files', 'tick', 'preview'].includes(e.type);
}

/** Same panes (or the same down reason); the observation time alone does not count. */
export function sameTmux(a: TmuxObservation, b: TmuxObservation): boolean {
  if (a === b) return true;
  if (a.server === 'down' || b.server === 'down') return a.server === b.server && (a as { reason: string }).reason === (b as { reason: string }).reason;
  if (a.panes.size !== b.panes.size) return false;
  for (const [k, p] of a.panes) {
    const q = b.panes.get(k);
    if (!q || !samePane(p, q)) return false;
  }
  return true;
}

function sameScreens(a: ReadonlyMap<string, ScreenObs>, b: ReadonlyMap<string, ScreenObs>): boolean {
  if (a === b) return true;
  if (a.size !== b.size) return false;
  for (const [k, x] of a) {
    const y = b.get(k);
    if (!y || y.at !== x.at || y.waiting !== x.waiting || y.draft !== x.draft) return false;
  }
  return true;
}

function applyData(s: CockpitState, e: DataEvent): CockpitState {
  switch (e.type) {
    case 'roster':
      return { ...s, obs: { ...s.obs, roster: e.roster }, rosterError: null };
    case 'roster-error':
      return { ...s, rosterError: e.message };
    case 'tmux':
      // A reconcile that saw the same panes keeps the state: nothing is re-derived or re-rendered.
      if (s.obs.tmux && sameTmux(s.obs.tmux, e.obs)) return s;
      return { ...s, obs: { ...s.obs, tmux: e.obs } };
    case 'transcript': {
      const transcripts = new Map(s.obs.transcripts);
      transcripts.set(e.name, e.obs);
      return { ...s, obs: { ...s.obs, transcripts } };
    }
    case 'screens':
      if (sameScreens(s.obs.screens, e.screens)) return s;
      return { ...s, obs: { ...s.obs, screens: e.screens } };
    case 'files':
      return { ...s, obs: { ...s.obs, files: e.files } };
    case 'tick':
      return { ...s, now: e.now };
    case 'preview':
      if (s.ui.previewText === e.text && s.ui.previewFor === e.name) return s;
      return { ...s, ui: { ...s.ui, previewText: e.text, previewFor: e.name } };
  }
}

/** Keeps the selection on a visible row and the scroll window around it. */
export function settleSelection(s: CockpitState): CockpitState {
  const vis = visibleNames(s);
  const h = gridHeight(s);
  let { selected, scrollTop } = s.ui;
  let idx = selected === null ? -1 : vis.indexOf(selected);
  if (idx < 0) {
    idx = vis.length === 0 ? -1 : 0;
    selected = idx < 0 ? null : vis[idx]!;
  }
  if (idx >= 0) {
    if (idx < scrollTop) scrollTop = idx;
    if (idx >= scrollTop + h) scrollTop = idx - h + 1;
  }
  scrollTop = Math.max(0, Math.min(scrollTop, Math.max(0, vis.length - h)));
  if (selected === s.ui.selected && scrollTop === s.ui.scrollTop) return s;
  return { ...s, ui: { ...s.ui, selected, scrollTop } };
}

function moveTo(s: CockpitState, idx: number): CockpitState {
  const vis = visibleNames(s);
  if (vis.length === 0) return s;
  const i = Math.max(0, Math.min(vis.length - 1, idx));
  return settleSelection({ ...s, ui: { ...s.ui, selected: vis[i]! } });
}

function currentIndex(s: CockpitState): number {
  return s.ui.selected === null ? 0 : Math.max(0, visibleNames(s).indexOf(s.ui.selected));
}

function ui(s: CockpitState, patch: Partial<UiState>): CockpitState {
  return { ...s, ui: { ...s.ui, ...patch } };
}

function applyUi(s: CockpitState, e: UiEvent): CockpitState {
  switch (e.type) {
    case 'cursor':
      return moveTo(s, currentIndex(s) + e.delta);
    case 'cursor-to':
      return moveTo(s, e.where === 'top' ? 0 : visibleNames(s).length - 1);
    case 'page': {
      const h = gridHeight(s);
      const moved = moveTo(s, currentIndex(s) + e.dir * h);
      return moved;
    }
    case 'select':
      return s.rowMap.has(e.name) ? settleSelection(ui(s, { selected: e.name })) : s;
    case 'mode': {
      if (e.mode === 'filter') return ui(s, { mode: 'filter', input: s.ui.filter });
      if (e.mode === 'command') return ui(s, { mode: 'command', input: '' });
      if (e.mode === 'help') return ui(s, { mode: 'help', prevMode: s.ui.mode === 'help' ? s.ui.prevMode : s.ui.mode });
      return ui(s, { mode: e.mode });
    }
    case 'back': {
      const m = s.ui.mode;
      if (m === 'filter') return settleSelection(ui(s, { mode: 'grid', filter: '', input: '' }));
      if (m === 'command') return ui(s, { mode: 'grid', input: '' });
      if (m === 'prompt') return settleSelection(ui(s, { mode: 'grid' }));
      if (m === 'confirm') return settleSelection(ui(s, { mode: s.ui.prevMode === 'prompt' ? 'prompt' : 'grid', confirm: null }));
      if (m === 'help') return ui(s, { mode: s.ui.prevMode === 'help' ? 'grid' : s.ui.prevMode });
      // grid: Esc clears the filter, then the delivery marks of the last run
      if (s.ui.filter) return settleSelection(ui(s, { filter: '' }));
      if (s.deliveries.size > 0 || s.run) return { ...s, deliveries: new Map(), run: s.run && !s.run.finished ? s.run : null };
      return s;
    }
    case 'mark-toggle': {
      const n = s.ui.selected;
      if (n === null) return s;
      const marks = new Set(s.ui.marks);
      if (marks.has(n)) marks.delete(n);
      else marks.add(n);
      // Space marks and moves down, like a file manager
      return moveTo(ui(s, { marks }), currentIndex(s) + 1);
    }
    case 'mark-all-visible':
      return ui(s, { marks: new Set([...s.ui.marks, ...visibleNames(s)]) });
    case 'mark-clear':
      return s.ui.marks.size === 0 ? s : ui(s, { marks: new Set() });
    case 'mark-set':
      return ui(s, { marks: new Set(e.names) });
    case 'input': {
      const m = s.ui.mode;
      if (m === 'filter') return settleSelection(ui(s, { input: s.ui.input + e.text, filter: s.ui.input + e.text, scrollTop: 0 }));
      if (m === 'command') return ui(s, { input: s.ui.input + e.text });
      if (m === 'prompt') {
        return s.ui.promptField === 'text'
          ? ui(s, { promptText: s.ui.promptText + e.text })
          : ui(s, { promptTargets: s.ui.promptTargets + e.text });
      }
      return s;
    }
    case 'backspace': {
      const m = s.ui.mode;
      const cut = (t: string): string => Array.from(t).slice(0, -1).join('');
      if (m === 'filter') return settleSelection(ui(s, { input: cut(s.ui.input), filter: cut(s.ui.input) }));
      if (m === 'command') return ui(s, { input: cut(s.ui.input) });
      if (m === 'prompt') {
        return s.ui.promptField === 'text' ? ui(s, { promptText: cut(s.ui.promptText) }) : ui(s, { promptTargets: cut(s.ui.promptTargets) });
      }
      return s;
    }
    case 'filter-apply':
      return settleSelection(ui(s, { mode: 'grid', filter: s.ui.input.trim(), input: '' }));
    case 'filter-clear':
      return settleSelection(ui(s, { filter: '', input: '' }));
    case 'sort': {
      const next = e.sort ?? SORT_KEYS[(SORT_KEYS.indexOf(s.ui.sort) + 1) % SORT_KEYS.length]!;
      return settleSelection(ui(s, { sort: next }));
    }
    case 'prompt-open': {
      const targets = e.targets ?? (s.ui.marks.size > 0 ? '@marked' : (s.ui.selected ?? ''));
      return settleSelection(ui(s, { mode: 'prompt', promptTargets: targets, promptField: 'text' }));
    }
    case 'prompt-field':
      return ui(s, { promptField: s.ui.promptField === 'text' ? 'targets' : 'text' });
    case 'prompt-clear':
      return ui(s, { promptText: '', promptTargets: '', promptField: 'text' });
    case 'confirm':
      return ui(s, { mode: 'confirm', prevMode: s.ui.mode === 'confirm' ? s.ui.prevMode : s.ui.mode, confirm: e.request });
    case 'preview-toggle':
      return settleSelection(ui(s, { preview: !s.ui.preview, previewText: null, previewFor: null }));
    case 'resize':
      if (e.cols === s.cols && e.rows === s.rows) return s;
      return settleSelection({ ...s, cols: e.cols, rows: e.rows });
    case 'toast': {
      const toast = { id: s.nextToastId, level: e.level, text: e.text, at: e.now };
      return { ...s, nextToastId: s.nextToastId + 1, ui: { ...s.ui, toasts: [...s.ui.toasts, toast].slice(-TOAST_LIMIT) } };
    }
    case 'toast-expire': {
      const keep = s.ui.toasts.filter((t) => e.now - t.at < e.ttlMs);
      return keep.length === s.ui.toasts.length ? s : ui(s, { toasts: keep });
    }
    case 'delivery': {
      const deliveries = new Map(s.deliveries);
      deliveries.set(e.name, e.mark);
      return { ...s, deliveries };
    }
    case 'deliveries-clear':
      return { ...s, deliveries: new Map() };
    case 'run':
      return { ...s, run: e.run };
    case 'role':
      return s.role === e.role ? s : { ...s, role: e.role };
    case 'quit':
      return ui(s, { quitting: true });
  }
}

/** The one pure reducer: folds a batch of events, then derives rows once if any data changed. */
export function reduce(s: CockpitState, events: readonly CockpitEvent[]): CockpitState {
  let next = s;
  let data = false;
  for (const e of events) {
    if (isData(e)) {
      next = applyData(next, e);
      data = true;
    } else next = applyUi(next, e);
  }
  if (data && (next.obs !== s.obs || next.now !== s.now)) {
    const derived = recomputeRows(next);
    if (derived.rowMap !== next.rowMap || derived.order !== next.order || derived.stateChangedAt !== next.stateChangedAt) {
      next = { ...next, ...derived };
    }
    next = settleSelection(next);
  }
  return next;
}
