import { COCKPIT_SYMBOLS } from './symbols.js';

/**
 * `new Intl.Segmenter(…)` for the terminal libraries under Ink (ansi-tokenize, string-width, slice-ansi),
 * put in their place by the bundle (scripts/build.mjs). Two things cost the first frame there:
 *  - each library builds its segmenter when its module loads, and the first one in a process loads ICU's
 *    grapheme rules: ≈ 9–14 ms, before anything has been drawn;
 *  - ansi-tokenize runs every piece of every line Ink writes through it, one C++ round trip a grapheme.
 * Here the real segmenter is built on first need, and a string made only of code units that are graphemes
 * by themselves — C0 controls but CR, ASCII, ESC, DEL, the cockpit's own symbols — is split one code unit a
 * segment without it. Under Unicode's rules (UAX #29) none of those code units extends, joins or prepends to
 * a neighbour from that set (only CR LF would pair), so the answer is the same; test/unit/segmenter.test.ts
 * compares the two on random text. Anything else — agent text with accents, CJK, emoji, combining marks —
 * goes to Intl.Segmenter unchanged.
 */
const SINGLES = new RegExp(`^[\\x00-\\x0c\\x0e-\\x7f${COCKPIT_SYMBOLS}]*$`);

interface Segment {
  segment: string;
  index: number;
  input: string;
}

/** What the libraries use of Intl.Segments: iteration and containing(). */
class SingleUnitSegments implements Iterable<Segment> {
  constructor(private readonly input: string) {}
  containing(index = 0): Segment | undefined {
    const i = Math.trunc(Number(index)) || 0;
    return i >= 0 && i < this.input.length ? { segment: this.input[i]!, index: i, input: this.input } : undefined;
  }
  *[Symbol.iterator](): Iterator<Segment> {
    const s = this.input;
    for (let i = 0; i < s.length; i++) yield { segment: s[i]!, index: i, input: s };
  }
}

export interface LazySegmenter {
  segment(input: string): Iterable<Segment> & { containing(index?: number): Segment | undefined };
}

export function fastSegmenter(locales?: string | string[], options?: Intl.SegmenterOptions): LazySegmenter {
  let real: Intl.Segmenter | undefined;
  const graphemes = (options?.granularity ?? 'grapheme') === 'grapheme';
  return {
    segment(input) {
      const s = String(input);
      if (graphemes && SINGLES.test(s)) return new SingleUnitSegments(s);
      real ??= new Intl.Segmenter(locales, options);
      return real.segment(s);
    },
  };
}
