import { afterEach, describe, expect, it } from 'vitest';
import { cleanup } from 'ink-testing-library';
import { KEYMAP } from '../../src/keymap.js';
import type { Mode } from '../../src/store/types.js';
import { KEY, makeStore, mount, spec, tick } from './fixtures.js';

afterEach(() => cleanup());

/** The bytes a terminal sends for each chord of the key table. */
const BYTES: Record<string, string> = {
  up: KEY.up,
  down: KEY.down,
  home: '\u001b[H',
  end: '\u001b[F',
  pageup: KEY.pageUp,
  pagedown: KEY.pageDown,
  'ctrl+f': '\u0006',
  'ctrl+b': '\u0002',
  'ctrl+c': KEY.ctrlC,
  'ctrl+j': KEY.ctrlJ,
  'alt+enter': '\u001b\r',
  enter: KEY.enter,
  escape: KEY.esc,
  space: ' ',
  backspace: KEY.backspace,
  tab: KEY.tab,
};

/** Keys that bring a fresh cockpit into `mode` with something for every key there to act on. */
const INTO: Record<Mode, string[]> = {
  grid: [],
  filter: ['/', 'a'],
  command: [':', 'wake a1'],
  prompt: ['b', 'x'],
  confirm: ['r'],
  help: ['?'],
};

describe('every binding of the key table does something in its mode', () => {
  for (const b of KEYMAP) {
    for (const chord of b.keys) {
      it(`${b.mode}: ${chord} → ${b.action}`, async () => {
        const store = makeStore(['a0', 'a1', 'a2', 'a3', 'a4'].map((n) => spec(n)), { live: ['a2'] });
        const m = mount(store);
        await tick();
        // start mid-list with one mark and a delivery result, so moves, marks and Esc all have an effect
        store.dispatch({ type: 'select', name: 'a1' }, { type: 'mark-set', names: ['a4'] }, { type: 'delivery', name: 'a4', mark: { state: 'delivered' } });
        await m.keys(...INTO[b.mode]);
        expect(store.getState().ui.mode).toBe(b.mode);
        const snap = () => {
          const s = store.getState();
          const u = s.ui;
          return JSON.stringify([u.mode, u.selected, [...u.marks], u.filter, u.input, u.promptText, u.promptTargets, u.promptField, u.preview, u.sort, u.confirm, s.deliveries.size, m.ops.calls, m.ops.quitCalled]);
        };
        const before = snap();
        await m.keys(BYTES[chord] ?? chord);
        await m.actions.idle();
        expect(snap()).not.toBe(before);
      });
    }
  }
});
