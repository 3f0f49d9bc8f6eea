import { afterEach, describe, expect, it } from 'vitest';
import { cleanup } from 'ink-testing-library';
import InkOutput from '../../node_modules/ink/build/output.js';
import * as lib from '@alcalzone/ansi-tokenize';
import { cachedGet, installCachedOutput, styledCharsFromTokens, styledCharsToString, type InkOutputLike } from '../../src/cockpit/fast-output.js';
import { KEY, makeStore, mount, spec, tick } from './fixtures.js';

type Get = () => { output: string; height: number };
const proto = (InkOutput as unknown as { prototype: InkOutputLike }).prototype;
const original: Get = installCachedOutput(InkOutput as unknown as { prototype: InkOutputLike });
// the render tests themselves run on Ink's own get; this file compares both on every frame
proto.get = original;

afterEach(() => {
  cleanup();
  proto.get = original;
});

/** An Output with hand-made operations (the shapes Ink's renderNodeToOutput produces). */
function output(width: number, height: number, ops: InkOutputLike['operations']): InkOutputLike {
  const o = new (InkOutput as unknown as new (opts: { width: number; height: number }) => InkOutputLike)({ width, height });
  o.operations.push(...ops);
  return o;
}

describe('the cross-frame cached Output.get is byte-identical to Ink\'s', () => {
  it('on hand-made frames: colours, overlaps, wide characters, clips, transformers, lines outside the frame', () => {
    const red = '\u001b[31m';
    const off = '\u001b[39m';
    const frames: InkOutputLike[] = [
      output(20, 4, [
        { type: 'write', x: 0, y: 0, text: `${red}hello${off} world`, transformers: [] },
        { type: 'write', x: 3, y: 0, text: '\u001b[1mXY\u001b[22m', transformers: [] },
        { type: 'write', x: 0, y: 1, text: '漢字 wide ✓', transformers: [] },
        { type: 'write', x: 1, y: 2, text: 'a\nb\nc\nd\ne', transformers: [(s, i) => `${i}:${s}`] },
        { type: 'write', x: 0, y: -1, text: 'above', transformers: [] },
      ]),
      output(10, 3, [
        { type: 'clip', clip: { x1: 2, x2: 6, y1: 1, y2: 2 } },
        { type: 'write', x: 0, y: 0, text: `${red}0123456789${off}\nabcdefghij\nKLMNOPQRST`, transformers: [] },
        { type: 'write', x: 8, y: 1, text: 'outside', transformers: [] },
        { type: 'unclip' },
        { type: 'write', x: 12, y: 2, text: 'past the width', transformers: [] },
      ]),
      output(5, 2, []),
    ];
    for (const f of frames) {
      const want = original.call(f);
      expect(cachedGet.call(f)).toEqual(want);
      // and again from the cache
      expect(cachedGet.call(f)).toEqual(want);
    }
  });

  it('on every frame of a cockpit session (grid, marks, filter, prompt, help, preview, toasts)', async () => {
    let frames = 0;
    const mismatches: string[] = [];
    proto.get = function (this: InkOutputLike) {
      const want = original.call(this);
      const got = cachedGet.call(this);
      frames++;
      if (got.output !== want.output || got.height !== want.height) mismatches.push(`frame ${frames}:\n${want.output}\n---\n${got.output}`);
      return want;
    };
    const names = Array.from({ length: 40 }, (_, i) => `agent${i}`);
    const store = makeStore(
      names.map((n, i) => spec(n, { class: i % 2 ? 'coder' : 'reviewer', tags: i % 3 ? ['api'] : [] })),
      { live: names.slice(0, 30), busy: names.slice(0, 5), cols: 120, rows: 30 },
    );
    const m = mount(store);
    await tick();
    await m.keys('j', 'j', ' ', ' ', 'k', KEY.pageDown, KEY.pageUp, '/', 'a', 'g', KEY.enter, KEY.esc, 's', 's');
    await m.keys('p', 'j');
    store.push({ type: 'preview', name: store.getState().ui.selected!, text: 'hello 漢字\n│ > draft │\n' });
    await m.keys('j', 'p', '?', KEY.esc, 'b', 'x', 'y', KEY.tab, KEY.esc, KEY.esc);
    store.dispatch({ type: 'toast', level: 'error', text: 'boom ✗', now: Date.now() }, { type: 'delivery', name: 'agent1', mark: { state: 'failed', reason: 'gone' } });
    await m.keys('j', 'k');
    expect(frames).toBeGreaterThan(15);
    expect(mismatches).toEqual([]);
  });
});

describe("the styled-character helpers answer as ansi-tokenize's own", () => {
  it('on 3000 random lines of styles, resets, intensities, 8/24-bit colours and wide characters', () => {
    const codes = ['0', '1', '2', '22', '3', '23', '4', '24', '7', '27', '31', '32', '39', '41', '49', '90', '38;5;208', '48;2;1;2;3', '1;31', '2;1', '', '7;39'];
    const chars = ['a', ' ', 'Z', '│', '漢', '✓', '…', '\u00e9'];
    let seed = 7;
    const rnd = (n: number): number => ((seed = (seed * 1103515245 + 12345) & 0x7fffffff) % n);
    for (let k = 0; k < 3000; k++) {
      let line = '';
      for (let i = rnd(30); i > 0; i--) line += rnd(3) === 0 ? `\u001b[${codes[rnd(codes.length)]}m` : chars[rnd(chars.length)];
      const ours = styledCharsFromTokens(lib.tokenize(line));
      const theirs = lib.styledCharsFromTokens(lib.tokenize(line));
      expect(ours, line).toEqual(theirs);
      // Ink puts cells from several writes and blank cells side by side: mix lines, as a frame row does
      const row = [...ours, { type: 'char', value: ' ', fullWidth: false, styles: [] } as lib.StyledChar, ...styledCharsFromTokens(lib.tokenize(`\u001b[1m${line}`))];
      expect(styledCharsToString(row), line).toBe(lib.styledCharsToString(row));
    }
  });
});
