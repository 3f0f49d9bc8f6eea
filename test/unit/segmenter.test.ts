import { describe, expect, it } from 'vitest';
import { fastSegmenter } from '../../src/cockpit/segmenter.js';

/** Every code unit the fast path splits by itself. */
const SINGLES = [...Array.from({ length: 0x80 }, (_, i) => i).filter((c) => c !== 0x0d), 0xa7, 0xb7, 0xd7, 0x2014, 0x2026, 0x203a, 0x2190, 0x2191, 0x2192, 0x2193, 0x21c4, 0x2248, 0x232b, 0x23ce,
  ...Array.from({ length: 0x80 }, (_, i) => 0x2500 + i), 0x25b2, 0x25bc, 0x25cf, 0x2713, 0x2717].map((c) => String.fromCharCode(c));
/** What the fast path must hand to Intl.Segmenter: pairs and clusters it would split wrongly. */
const OTHERS = ['\r', '\r\n', 'é', 'e\u0301', '\u0301', '\u200d', '\u200b', '\ufe0f', '👍', '👍🏽', '👨‍👩‍👧', '\u{1f1ef}\u{1f1f5}', '中', 'ｱ', '\u1100\u1161', '\u0915\u094d\u0937', '\u0600', '\ud800', '\udc00', '✔\ufe0f', '⌫\u200d⌫'];

const real = new Intl.Segmenter(undefined, { granularity: 'grapheme' });
const plain = (it: Iterable<{ segment: string; index: number; input: string }>): [string, number, string][] => [...it].map((s) => [s.segment, s.index, s.input]);

describe('the lazy, single-code-unit fast segmenter (src/cockpit/segmenter.ts)', () => {
  it('splits exactly as Intl.Segmenter on 20,000 random strings of ASCII, controls, cockpit symbols and clusters', () => {
    const fast = fastSegmenter(undefined, { granularity: 'grapheme' });
    let seed = 11;
    const rnd = (n: number): number => {
      seed = (seed * 1103515245 + 12345) & 0x7fffffff;
      return seed % n;
    };
    let fastPath = 0;
    for (let i = 0; i < 20_000; i++) {
      const len = rnd(30);
      let s = '';
      // Half the strings stay on the fast path; the others carry one or more clusters it must not split.
      const mixed = i % 2 === 1;
      for (let k = 0; k < len; k++) s += mixed && rnd(6) === 0 ? OTHERS[rnd(OTHERS.length)] : SINGLES[rnd(SINGLES.length)];
      const got = fast.segment(s);
      if (got.constructor.name === 'SingleUnitSegments') fastPath++;
      expect(plain(got), JSON.stringify(s)).toEqual(plain(real.segment(s)));
      for (const at of [-1, 0, rnd(len + 1), len - 1, len, 2.7]) {
        const a = got.containing(at);
        const b = real.segment(s).containing(at);
        expect(a && [a.segment, a.index, a.input], `${JSON.stringify(s)} containing(${at})`).toEqual(b && [b.segment, b.index, b.input]);
      }
    }
    expect(fastPath).toBeGreaterThanOrEqual(10_000); // the fast path really ran (at least the unmixed half)
    expect(fastPath).toBeLessThan(15_000); // and not on strings holding a cluster
  });

  it('each fast-path code unit is a grapheme of its own beside every other one (all pairs)', () => {
    const wrong: string[] = [];
    for (const a of SINGLES) for (const b of SINGLES) if ([...real.segment(a + b)].length !== 2) wrong.push(JSON.stringify(a + b));
    expect(wrong).toEqual([]);
  });

  it('other granularities and odd input go to Intl.Segmenter', () => {
    const words = fastSegmenter(undefined, { granularity: 'word' });
    expect(plain(words.segment('hi there'))).toEqual(plain(new Intl.Segmenter(undefined, { granularity: 'word' }).segment('hi there')));
    const fast = fastSegmenter();
    expect(plain(fast.segment(42 as unknown as string))).toEqual(plain(real.segment('42')));
    expect(plain(fast.segment(''))).toEqual([]);
  });
});
