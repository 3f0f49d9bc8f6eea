import { deriveState } from '../domain/derive.js';
import { HOLDER_SESSION } from '../domain/names.js';
import { sanitize } from '../domain/sanitize.js';
import type { AgentFiles, AgentSpec, AgentState, DeriveInput, PaneObs } from '../domain/types.js';
import type { CockpitState, RowView } from './types.js';

const NO_FILES: AgentFiles = { stopped: false, newMark: false, wake: null };

/** Coarse age: "now" under 10 s, then 10 s steps, minutes, hours, days. Changes rarely on an idle fleet. */
export function coarseAge(fromMs: number | null, now: number): string {
  if (fromMs === null || !Number.isFinite(fromMs)) return '-';
  const s = Math.max(0, Math.floor((now - fromMs) / 1000));
  if (s < 10) return 'now';
  if (s < 60) return `${Math.floor(s / 10) * 10}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m`;
  if (s < 86400) return `${Math.floor(s / 3600)}h`;
  return `${Math.floor(s / 86400)}d`;
}

export function shortenCwd(cwd: string | null, home: string): string | null {
  if (cwd === null) return null;
  const c = sanitize(cwd, { singleLine: true });
  if (home && (c === home || c.startsWith(home + '/'))) return '~' + c.slice(home.length);
  return c;
}

/** Same pane facts (the objects differ on every observation). */
export function samePane(a: PaneObs, b: PaneObs): boolean {
  return (
    a.session === b.session &&
    a.sessionId === b.sessionId &&
    a.paneId === b.paneId &&
    a.pid === b.pid &&
    a.dead === b.dead &&
    a.deadStatus === b.deadStatus &&
    a.activityMs === b.activityMs &&
    a.createdMs === b.createdMs &&
    a.attached === b.attached
  );
}

type ChangeEntry = CockpitState['stateChangedAt'] extends ReadonlyMap<string, infer E> ? E : never;

/**
 * What a roster row was last derived from, kept beside the row it gave (keyed by that row object). When a
 * batch leaves all of them the same — the usual case: 50 busy agents' transcripts move, 450 rows do not —
 * the row and its state-change entry are kept without deriving again. A memo, not state: a row without one
 * is simply derived.
 */
interface RowInputs extends Omit<DeriveInput, 'files'> {
  /** The agent's state files as the store has them (undefined before the first read). */
  files: AgentFiles | undefined;
  home: string;
  /** The state-change entry produced with the row: reuse only while the state still holds exactly it. */
  entry: ChangeEntry;
}
const derivedFrom = new WeakMap<RowView, RowInputs>();

/** One literal (not a spread), for the same reason as the rows themselves: one hidden class. */
function memoOf(i: Omit<RowInputs, 'entry'>, entry: ChangeEntry): RowInputs {
  return { spec: i.spec, defaults: i.defaults, pane: i.pane, serverUp: i.serverUp, transcript: i.transcript, screen: i.screen, files: i.files, now: i.now, home: i.home, entry };
}

function sameInputs(a: RowInputs, b: Omit<RowInputs, 'entry'>): boolean {
  return (
    a.spec === b.spec &&
    a.defaults === b.defaults &&
    a.serverUp === b.serverUp &&
    a.transcript === b.transcript &&
    a.screen === b.screen &&
    a.files === b.files &&
    a.now === b.now &&
    a.home === b.home &&
    (a.pane === b.pane || (a.pane !== undefined && b.pane !== undefined && samePane(a.pane, b.pane)))
  );
}

/**
 * Same on screen? The raw activity time is left out on purpose: a busy agent writes its transcript
 * several times a second, and re-rendering its row for an unchanged "now" would redraw the frame on
 * every batch. (Sorting by activity then uses the time of the last visible change.)
 */
function sameRow(a: RowView, b: RowView): boolean {
  return (
    a.name === b.name &&
    a.runtime === b.runtime &&
    a.state === b.state &&
    a.stateSinceMs === b.stateSinceMs &&
    a.sinceText === b.sinceText &&
    a.activityText === b.activityText &&
    a.class === b.class &&
    (a.tags === b.tags || (a.tags.length === b.tags.length && a.tags.every((t, i) => t === b.tags[i]))) &&
    a.cwd === b.cwd &&
    a.lastTask === b.lastTask &&
    a.managed === b.managed
  );
}

/** A row's fields that depend only on its roster entry, its last task and the home directory. */
type FixedFields = Pick<RowView, 'name' | 'runtime' | 'class' | 'tags' | 'cwd' | 'lastTask' | 'managed'>;
const fixedMemo = new WeakMap<AgentSpec, { home: string; task: string | undefined; fixed: FixedFields }>();

/**
 * Sanitised once per roster entry (and last task), not on every derivation: the clock moves every row's
 * derivation on every tick, and sanitising class, tags, cwd and task again took recomputing 500 rows from
 * 0.45 to 0.75–1.3 ms (warm, rows built as one literal).
 * The same tags array every time also lets sameRow compare it by reference.
 */
function fixedFields(spec: AgentSpec, task: string | undefined, home: string): FixedFields {
  const m = fixedMemo.get(spec);
  if (m && m.home === home && m.task === task) return m.fixed;
  const fixed: FixedFields = {
    name: spec.name,
    runtime: spec.runtime,
    // Roster text is shown too: a class or tag may carry escapes (sanitised like agent output).
    class: spec.class !== undefined ? sanitize(spec.class, { singleLine: true, max: 60 }) : null,
    tags: spec.tags.map((t) => sanitize(t, { singleLine: true, max: 40 })),
    cwd: shortenCwd(spec.cwd, home),
    lastTask: task ? sanitize(task, { singleLine: true, max: 200 }) : null,
    managed: spec.managed,
  };
  fixedMemo.set(spec, { home, task, fixed });
  return fixed;
}

/**
 * Recomputes every row from the observations and the clock (pure). Rows whose shown values did not
 * change keep their previous object, and when nothing changed the previous maps are returned, so a
 * memoised row — and the whole frame — does not re-render.
 */
export function recomputeRows(s: CockpitState): Pick<CockpitState, 'rowMap' | 'order' | 'stateChangedAt'> {
  const { roster, tmux, transcripts, screens, files } = s.obs;
  const now = s.now;
  const serverUp = tmux?.server === 'up';
  const panes: ReadonlyMap<string, PaneObs> = tmux?.server === 'up' ? tmux.panes : new Map();
  const rowMap = new Map<string, RowView>();
  const order: string[] = [];
  const changed = new Map<string, { state: AgentState; at: number; estimated?: boolean; informed?: boolean }>();
  let dirty = false;

  // `informed`: the derivation had the agent's transcript facts. Until then its state is a guess from
  // the pane alone (the first frame is drawn before the transcripts are scanned), and a change out of
  // a guess is a correction dated by the derivation, not a change seen live.
  const put = (row: Omit<RowView, 'stateSinceMs' | 'sinceText'>, derivedSince: number | null, informed: boolean): RowView => {
    const prevChange = s.stateChangedAt.get(row.name);
    let since: number | null;
    let entry: { state: AgentState; at: number; estimated?: boolean; informed?: boolean };
    if (prevChange && prevChange.state === row.state) {
      // Never seen changing: an idle estimate follows better data (the transcript dates it from the last turn).
      const redate = prevChange.estimated === true && row.state === 'idle' && derivedSince !== null && derivedSince !== prevChange.at;
      since = redate ? derivedSince : prevChange.at;
      entry = redate || prevChange.informed !== informed ? { ...prevChange, at: since, informed } : prevChange;
    } else if (prevChange && prevChange.informed !== false) {
      // A change seen live: it happened now.
      since = now;
      entry = { state: row.state, at: since, informed };
    } else {
      // First sight, or a correction of a guess: trust the derivation's own estimate.
      since = derivedSince ?? now;
      entry = { state: row.state, at: since, estimated: true, informed };
    }
    changed.set(row.name, entry);
    if (entry !== prevChange) dirty = true;
    // One literal, never a spread: every row then has the same hidden class, and sameRow's property reads
    // stay monomorphic (a spread row cost ≈ 9 µs a row per tick at 500; docs/BENCH.md).
    const full: RowView = {
      name: row.name,
      runtime: row.runtime,
      state: row.state,
      stateSinceMs: since,
      lastActivityMs: row.lastActivityMs,
      sinceText: coarseAge(since, now),
      activityText: row.activityText,
      class: row.class,
      tags: row.tags,
      cwd: row.cwd,
      lastTask: row.lastTask,
      managed: row.managed,
    };
    const prev = s.rowMap.get(row.name);
    order.push(row.name);
    if (prev && sameRow(prev, full)) {
      rowMap.set(row.name, prev);
      return prev;
    }
    rowMap.set(row.name, full);
    dirty = true;
    return full;
  };

  const defaults = roster?.defaults;
  for (const spec of roster?.agents ?? []) {
    const pane = panes.get(spec.name);
    const inputs = { spec, defaults: defaults!, pane, serverUp, transcript: transcripts.get(spec.name), screen: screens.get(spec.name), files: files.get(spec.name), now, home: s.home };
    const prev = s.rowMap.get(spec.name);
    const memo = prev && derivedFrom.get(prev);
    const prevEntry = s.stateChangedAt.get(spec.name);
    if (memo && prevEntry && memo.entry === prevEntry && sameInputs(memo, inputs)) {
      // Nothing it depends on moved: the same row and entry (what deriving again would give).
      rowMap.set(spec.name, prev);
      changed.set(spec.name, prevEntry);
      order.push(spec.name);
      if (memo.pane !== pane) derivedFrom.set(prev, memoOf(inputs, prevEntry));
      continue;
    }
    const f = inputs.files ?? NO_FILES;
    const d = deriveState({ spec, defaults: inputs.defaults, pane, serverUp, transcript: inputs.transcript, screen: inputs.screen, files: f, now });
    const fx = fixedFields(spec, f.wake?.lastTask, s.home);
    const shown = put(
      {
        name: fx.name,
        runtime: fx.runtime,
        state: d.state,
        lastActivityMs: d.lastActivityMs,
        activityText: coarseAge(d.lastActivityMs, now),
        class: fx.class,
        tags: fx.tags,
        cwd: fx.cwd,
        lastTask: fx.lastTask,
        managed: fx.managed,
      },
      d.since,
      transcripts.has(spec.name) || (spec.runtime === 'shell' && !spec.transcripts),
    );
    derivedFrom.set(shown, memoOf(inputs, changed.get(spec.name)!));
  }
  const named = new Set(order);
  for (const pane of panes.values()) {
    if (named.has(pane.session) || pane.session === HOLDER_SESSION || pane.session.startsWith('_')) continue;
    put(
      {
        name: sanitize(pane.session, { singleLine: true, max: 40 }),
        runtime: null,
        state: 'stray',
        lastActivityMs: pane.activityMs,
        activityText: coarseAge(pane.activityMs, now),
        class: null,
        tags: [],
        cwd: null,
        lastTask: null,
        managed: null,
      },
      pane.createdMs,
      true,
    );
  }
  if (!dirty && order.length === s.order.length && order.every((n, i) => n === s.order[i]) && s.rowMap.size === rowMap.size) {
    return { rowMap: s.rowMap, order: s.order, stateChangedAt: s.stateChangedAt };
  }
  const sameOrder = order.length === s.order.length && order.every((n, i) => n === s.order[i]);
  return { rowMap, order: sameOrder ? s.order : order, stateChangedAt: changed };
}
