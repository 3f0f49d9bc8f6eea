import type { AgentState } from '../domain/types.js';
import type { CockpitState, RowView, SortKey } from './types.js';

/** Display priority for `sort: state`: what needs the operator first. */
export const STATE_ORDER: readonly AgentState[] = ['waiting', 'dead', 'booting', 'busy', 'idle', 'asleep', 'stopped', 'external', 'stray'];
const STATE_RANK = new Map(STATE_ORDER.map((s, i) => [s, i]));

/**
 * Does a row match the filter? Words are ANDed; `class:x`, `tag:x`, `state:x`, `runtime:x` match that
 * field exactly; a bare word matches a substring of the name, class, a tag or the state.
 */
export function matchesFilter(row: RowView, filter: string): boolean {
  const words = filter.trim().toLowerCase().split(/\s+/).filter(Boolean);
  for (const w of words) {
    const i = w.indexOf(':');
    if (i > 0) {
      const key = w.slice(0, i);
      const val = w.slice(i + 1);
      if (key === 'class' && (row.class ?? '').toLowerCase() !== val) return false;
      else if (key === 'tag' && !row.tags.some((t) => t.toLowerCase() === val)) return false;
      else if (key === 'state' && row.state !== val) return false;
      else if (key === 'runtime' && (row.runtime ?? '') !== val) return false;
      else if (!['class', 'tag', 'state', 'runtime'].includes(key) && !row.name.includes(w)) return false;
      continue;
    }
    const hit =
      row.name.toLowerCase().includes(w) ||
      (row.class ?? '').toLowerCase().includes(w) ||
      row.tags.some((t) => t.toLowerCase().includes(w)) ||
      row.state.includes(w);
    if (!hit) return false;
  }
  return true;
}

export function compareRows(a: RowView, b: RowView, sort: SortKey): number {
  if (sort === 'state') {
    const d = (STATE_RANK.get(a.state) ?? 99) - (STATE_RANK.get(b.state) ?? 99);
    if (d !== 0) return d;
  } else if (sort === 'activity') {
    const d = (b.lastActivityMs ?? -Infinity) - (a.lastActivityMs ?? -Infinity);
    if (d !== 0 && !Number.isNaN(d)) return d;
  }
  return a.name < b.name ? -1 : a.name > b.name ? 1 : 0;
}

let cache: { rowMap: unknown; order: unknown; filter: string; sort: SortKey; result: readonly string[] } | null = null;

/** The names shown in the grid, filtered and sorted. Memoised on (rows, order, filter, sort). */
export function visibleNames(s: CockpitState): readonly string[] {
  if (cache && cache.rowMap === s.rowMap && cache.order === s.order && cache.filter === s.ui.filter && cache.sort === s.ui.sort) {
    return cache.result;
  }
  const rows: RowView[] = [];
  for (const n of s.order) {
    const r = s.rowMap.get(n);
    if (r && matchesFilter(r, s.ui.filter)) rows.push(r);
  }
  rows.sort((a, b) => compareRows(a, b, s.ui.sort));
  const result = rows.map((r) => r.name);
  // Keep the previous array when the list did not change, so subscribers see the same reference.
  const same = cache && cache.result.length === result.length && cache.result.every((n, i) => n === result[i]);
  cache = { rowMap: s.rowMap, order: s.order, filter: s.ui.filter, sort: s.ui.sort, result: same ? cache!.result : result };
  return cache.result;
}

export function stateCounts(s: CockpitState): Partial<Record<AgentState, number>> {
  const c: Partial<Record<AgentState, number>> = {};
  for (const r of s.rowMap.values()) c[r.state] = (c[r.state] ?? 0) + 1;
  return c;
}

/** Rows the grid can show: the terminal minus header, column titles, footer, and the preview/prompt when open. */
export function gridHeight(s: CockpitState): number {
  let h = s.rows - 5; // header, column titles, footer, two toast lines
  if (s.ui.preview) h -= Math.max(6, Math.floor(s.rows / 3));
  if (s.ui.mode === 'prompt') h -= 4;
  if (s.obs.tmux?.server === 'down') h -= 1;
  if (s.rosterError) h -= 1;
  return Math.max(1, h);
}

/** Targets of a set action: the marked agents (visible or not), else the selected one. */
export function actionTargets(s: CockpitState): string[] {
  if (s.ui.marks.size > 0) return s.order.filter((n) => s.ui.marks.has(n));
  return s.ui.selected && s.rowMap.has(s.ui.selected) ? [s.ui.selected] : [];
}
