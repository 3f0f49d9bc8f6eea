/**
 * THE key table of the cockpit. Footer, `?` help and docs/COCKPIT.md are generated from / checked
 * against it; `resolve` is the only way a key becomes an action. Pure: no Ink, no React.
 */
import type { Mode } from './store/types.js';

export type { Mode } from './store/types.js';

export type ActionId =
  | 'cursor.down'
  | 'cursor.up'
  | 'cursor.top'
  | 'cursor.bottom'
  | 'page.down'
  | 'page.up'
  | 'attach'
  | 'wake'
  | 'reset'
  | 'stop'
  | 'start'
  | 'mark.toggle'
  | 'mark.all'
  | 'mark.clear'
  | 'prompt.open'
  | 'command.open'
  | 'filter.open'
  | 'preview.toggle'
  | 'sort.cycle'
  | 'help.open'
  | 'back'
  | 'quit'
  | 'input.backspace'
  | 'filter.apply'
  | 'command.run'
  | 'prompt.send'
  | 'prompt.newline'
  | 'prompt.field'
  | 'confirm.yes'
  | 'confirm.no'
  | 'help.close';

export interface KeyBinding {
  mode: Mode;
  /** Chords as produced by `chordOf`: 'j', 'G', 'up', 'pagedown', 'enter', 'escape', 'space', 'ctrl+j', 'alt+enter'… */
  keys: readonly string[];
  action: ActionId;
  label: string;
  /** Changes agents in a way that loses work or reaches many: confirmed, and hidden by --read-only. */
  dangerous?: boolean;
  /** Shown in the footer (the rest only in `?` help). */
  footer?: boolean;
}

export const KEYMAP: readonly KeyBinding[] = [
  // grid
  { mode: 'grid', keys: ['j', 'down'], action: 'cursor.down', label: 'down' },
  { mode: 'grid', keys: ['k', 'up'], action: 'cursor.up', label: 'up' },
  { mode: 'grid', keys: ['g', 'home'], action: 'cursor.top', label: 'top' },
  { mode: 'grid', keys: ['G', 'end'], action: 'cursor.bottom', label: 'bottom' },
  { mode: 'grid', keys: ['pagedown', 'ctrl+f'], action: 'page.down', label: 'page down' },
  { mode: 'grid', keys: ['pageup', 'ctrl+b'], action: 'page.up', label: 'page up' },
  { mode: 'grid', keys: ['enter'], action: 'attach', label: 'attach', footer: true },
  { mode: 'grid', keys: ['w'], action: 'wake', label: 'wake', footer: true },
  { mode: 'grid', keys: ['r'], action: 'reset', label: 'reset', dangerous: true, footer: true },
  { mode: 'grid', keys: ['s'], action: 'stop', label: 'stop', dangerous: true, footer: true },
  { mode: 'grid', keys: ['S'], action: 'start', label: 'start', footer: true },
  { mode: 'grid', keys: ['space'], action: 'mark.toggle', label: 'mark', footer: true },
  { mode: 'grid', keys: ['a'], action: 'mark.all', label: 'mark all visible' },
  { mode: 'grid', keys: ['A'], action: 'mark.clear', label: 'clear marks' },
  { mode: 'grid', keys: ['b'], action: 'prompt.open', label: 'broadcast', dangerous: true, footer: true },
  { mode: 'grid', keys: [':'], action: 'command.open', label: 'command', footer: true },
  { mode: 'grid', keys: ['/'], action: 'filter.open', label: 'filter', footer: true },
  { mode: 'grid', keys: ['p'], action: 'preview.toggle', label: 'preview', footer: true },
  { mode: 'grid', keys: ['o'], action: 'sort.cycle', label: 'sort (state/name/activity)', footer: true },
  { mode: 'grid', keys: ['?'], action: 'help.open', label: 'help', footer: true },
  { mode: 'grid', keys: ['escape'], action: 'back', label: 'clear filter / results' },
  { mode: 'grid', keys: ['q', 'ctrl+c'], action: 'quit', label: 'quit', footer: true },
  // filter (typing filters live)
  { mode: 'filter', keys: ['enter'], action: 'filter.apply', label: 'keep filter', footer: true },
  { mode: 'filter', keys: ['escape'], action: 'back', label: 'clear filter', footer: true },
  { mode: 'filter', keys: ['backspace'], action: 'input.backspace', label: 'delete' },
  { mode: 'filter', keys: ['ctrl+c'], action: 'quit', label: 'quit' },
  // command (`:wake class:reviewer`)
  { mode: 'command', keys: ['enter'], action: 'command.run', label: 'run', footer: true },
  { mode: 'command', keys: ['escape'], action: 'back', label: 'cancel', footer: true },
  { mode: 'command', keys: ['backspace'], action: 'input.backspace', label: 'delete' },
  { mode: 'command', keys: ['ctrl+c'], action: 'quit', label: 'quit' },
  // prompt bar
  { mode: 'prompt', keys: ['enter'], action: 'prompt.send', label: 'send…', dangerous: true, footer: true },
  { mode: 'prompt', keys: ['ctrl+j', 'alt+enter'], action: 'prompt.newline', label: 'new line', footer: true },
  { mode: 'prompt', keys: ['tab'], action: 'prompt.field', label: 'text ⇄ targets', footer: true },
  { mode: 'prompt', keys: ['escape'], action: 'back', label: 'close (keeps text)', footer: true },
  { mode: 'prompt', keys: ['backspace'], action: 'input.backspace', label: 'delete' },
  { mode: 'prompt', keys: ['ctrl+c'], action: 'quit', label: 'quit' },
  // confirm
  { mode: 'confirm', keys: ['y', 'enter'], action: 'confirm.yes', label: 'yes', footer: true },
  { mode: 'confirm', keys: ['n', 'escape'], action: 'confirm.no', label: 'no', footer: true },
  { mode: 'confirm', keys: ['ctrl+c'], action: 'quit', label: 'quit' },
  // help
  { mode: 'help', keys: ['escape', '?', 'q'], action: 'help.close', label: 'close', footer: true },
  { mode: 'help', keys: ['ctrl+c'], action: 'quit', label: 'quit' },
];

/** Modes whose unbound printable keys are typed into a text field. */
export const TEXT_MODES: ReadonlySet<Mode> = new Set<Mode>(['filter', 'command', 'prompt']);

/** The bindings in force: --read-only drops every dangerous one. */
export function bindings(mode: Mode, readOnly = false): KeyBinding[] {
  return KEYMAP.filter((b) => b.mode === mode && !(readOnly && b.dangerous));
}

/** Pure: which binding does `chord` trigger in `mode`? */
export function resolve(mode: Mode, chord: string, readOnly = false): KeyBinding | undefined {
  return KEYMAP.find((b) => b.mode === mode && b.keys.includes(chord) && !(readOnly && b.dangerous));
}

/** Ink's Key, structurally (so this file needs no Ink import). */
export interface KeyLike {
  upArrow?: boolean;
  downArrow?: boolean;
  leftArrow?: boolean;
  rightArrow?: boolean;
  pageUp?: boolean;
  pageDown?: boolean;
  home?: boolean;
  end?: boolean;
  return?: boolean;
  escape?: boolean;
  ctrl?: boolean;
  shift?: boolean;
  tab?: boolean;
  backspace?: boolean;
  delete?: boolean;
  meta?: boolean;
}

/** Turns one Ink input event into a chord name for `resolve`. */
export function chordOf(input: string, key: KeyLike): string {
  if (key.return) return key.meta ? 'alt+enter' : 'enter';
  if (input === '\n') return 'ctrl+j';
  if (key.upArrow) return 'up';
  if (key.downArrow) return 'down';
  if (key.leftArrow) return 'left';
  if (key.rightArrow) return 'right';
  if (key.pageUp) return 'pageup';
  if (key.pageDown) return 'pagedown';
  if (key.home) return 'home';
  if (key.end) return 'end';
  if (key.tab) return 'tab';
  if (key.backspace || key.delete) return 'backspace';
  if (key.escape) return 'escape';
  if (key.ctrl && input.length === 1) return `ctrl+${input.toLowerCase()}`;
  if (input === ' ') return 'space';
  return input;
}

/** The chord of one raw character (for input that arrived several keys at a time). */
export function charChord(ch: string): string {
  if (ch === '\r') return 'enter';
  if (ch === '\n') return 'ctrl+j';
  if (ch === '\t') return 'tab';
  if (ch === '\u007f' || ch === '\b') return 'backspace';
  if (ch === '\u001b') return 'escape';
  if (ch === ' ') return 'space';
  const c = ch.charCodeAt(0);
  if (c >= 1 && c <= 26) return `ctrl+${String.fromCharCode(c + 96)}`;
  return ch;
}

/** How a chord is written in the footer and help: "enter" → "⏎", "ctrl+j" → "^J". */
export function keyLabel(chord: string): string {
  const special: Record<string, string> = {
    enter: '⏎', escape: 'esc', space: 'space', up: '↑', down: '↓', pageup: 'PgUp', pagedown: 'PgDn',
    backspace: '⌫', tab: 'tab', home: 'home', end: 'end', 'alt+enter': 'alt-⏎',
  };
  if (special[chord]) return special[chord];
  if (chord.startsWith('ctrl+')) return '^' + chord.slice(5).toUpperCase();
  return chord;
}

/** The key table as Markdown (docs/COCKPIT.md holds this verbatim; a test checks it). */
export function keyTableMarkdown(): string {
  const rows = KEYMAP.map(
    (b) => `| ${b.mode} | ${b.keys.map((k) => '`' + keyLabel(k) + '`').join(' ')} | ${b.label}${b.dangerous ? ' (asks first; hidden by `--read-only`)' : ''} |`,
  );
  return ['| mode | keys | action |', '|---|---|---|', ...rows].join('\n');
}
