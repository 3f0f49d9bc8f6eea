import stringWidth from 'string-width';
import { describe, expect, it } from 'vitest';
import fastStringWidth from '../../src/cockpit/string-width.js';

/** What the fast path answers by itself: every code point its pattern accepts. */
const FAST = [...Array.from({ length: 0x7f - 0x20 }, (_, i) => 0x20 + i), 0xa7, 0xb7, 0xd7, 0x2014, 0x2026, 0x203a, 0x2190, 0x2191, 0x2192, 0x2193, 0x21c4, 0x2248, 0x232b, 0x23ce,
  ...Array.from({ length: 0x80 }, (_, i) => 0x2500 + i), 0x25b2, 0x25bc, 0x25cf, 0x2713, 0x2717].map((c) => String.fromCodePoint(c));

describe('string-width with the cockpit fast path (src/cockpit/string-width.ts)', () => {
  it('every character it answers by itself is one column for string-width too', () => {
    const wrong = FAST.filter((c) => stringWidth(c) !== 1);
    expect(wrong).toEqual([]);
  });

  it('agrees with string-width on 20,000 random strings of UI symbols, wide, combining and zero-width characters, emoji and escapes, under every option', () => {
    const others = ['中', 'ｱ', 'é', 'e\u0301', '\u200b', '\u200d', '👍', '👨‍👩‍👧', '\u001b[31m', '\u001b[0m', '\u001b]8;;x\u0007', '\u009b1m', '\t', '\u0000', '\u007f', '⚠', '✔', '\u2588', '\u25a0', '\ufe0f', '\u{1f1ef}\u{1f1f5}'];
    const alphabet = [...FAST, ...others];
    let seed = 7;
    const rnd = (n: number): number => {
      seed = (seed * 1103515245 + 12345) & 0x7fffffff;
      return seed % n;
    };
    const options = [undefined, {}, { ambiguousIsNarrow: false }, { countAnsiEscapeCodes: true }, { ambiguousIsNarrow: true, countAnsiEscapeCodes: true }];
    let checked = 0;
    for (let i = 0; i < 20_000; i++) {
      // Mostly the fast path's own characters (what the cockpit draws), sometimes one of the others.
      const len = rnd(40);
      let s = '';
      for (let k = 0; k < len; k++) s += rnd(8) === 0 ? others[rnd(others.length)] : alphabet[rnd(FAST.length)];
      const o = options[rnd(options.length)];
      expect(fastStringWidth(s, o), JSON.stringify([s, o])).toBe(stringWidth(s, o));
      checked++;
    }
    expect(checked).toBe(20_000);
  });

  it('bad input is answered as string-width answers it', () => {
    for (const x of [undefined, null, 42, {}, ''] as unknown as string[]) expect(fastStringWidth(x)).toBe(stringWidth(x));
  });

  it('ambiguous symbols follow ambiguousIsNarrow:false to two columns, as in string-width', () => {
    expect(fastStringWidth('│…', { ambiguousIsNarrow: false })).toBe(stringWidth('│…', { ambiguousIsNarrow: false }));
    expect(stringWidth('│…', { ambiguousIsNarrow: false })).toBe(4);
  });
});
