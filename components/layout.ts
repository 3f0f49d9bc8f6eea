/** Pure layout helpers for the grid (no React): column widths and fitting text into them. */
import type { AgentState } from '../src/domain/types.js';

export interface Columns {
  mark: number;
  name: number;
  runtime: number;
  state: number;
  since: number;
  activity: number;
  group: number;
  cwd: number;
  task: number;
}

/** Column widths for a terminal `cols` wide; cwd and last task share what is left. */
export function columnWidths(cols: number): Columns {
  const fixed = { mark: 3, name: 18, runtime: 8, state: 9, since: 6, activity: 6 };
  const narrow = cols < 80;
  const group = narrow ? 0 : 18;
  const used = fixed.mark + fixed.name + fixed.runtime + fixed.state + fixed.since + fixed.activity + group;
  const rest = Math.max(0, cols - used - 1);
  const cwd = narrow ? 0 : Math.min(30, Math.floor(rest * 0.4));
  return { ...fixed, group, cwd, task: Math.max(0, rest - cwd) };
}

/** Cuts or pads `s` to exactly `w` cells, the last one a gap (one cell per code point; a cut shows "…"). */
export function fit(s: string, w: number): string {
  if (w <= 0) return '';
  const cps = Array.from(s);
  if (cps.length > w - 1) return cps.slice(0, Math.max(0, w - 2)).join('') + '… ';
  return s + ' '.repeat(w - cps.length);
}

/** Cuts the start instead ("…/long/path"): the end of a path says more. */
export function fitLeft(s: string, w: number): string {
  if (w <= 0) return '';
  const cps = Array.from(s);
  if (cps.length > w - 1) return '…' + cps.slice(cps.length - (w - 2)).join('') + ' ';
  return s + ' '.repeat(w - cps.length);
}

export const STATE_COLOR: Record<AgentState, string> = {
  waiting: 'yellow',
  dead: 'red',
  booting: 'blue',
  busy: 'green',
  idle: 'cyan',
  asleep: 'gray',
  stopped: 'magenta',
  external: 'white',
  stray: 'redBright',
};

export const DELIVERY_GLYPH: Record<string, string> = {
  pending: '… sending',
  delivered: '✓ delivered',
  unconfirmed: '? unconfirmed',
  deferred: '⏸ deferred',
  skipped: '- skipped',
  failed: '✗ failed',
};

export const DELIVERY_COLOR: Record<string, string> = {
  pending: 'gray',
  delivered: 'green',
  unconfirmed: 'yellow',
  deferred: 'yellow',
  skipped: 'gray',
  failed: 'red',
};
