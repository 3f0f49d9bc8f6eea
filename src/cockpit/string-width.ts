import stringWidth from 'string-width';
import { COCKPIT_SYMBOLS } from './symbols.js';

type Options = Parameters<typeof stringWidth>[1];

/**
 * string-width with one more fast path, put in place of `string-width` for Ink and fleet in the bundle
 * (scripts/build.mjs). string-width answers printable ASCII at once, but any other character sends the
 * whole string through Intl.Segmenter and a few Unicode-property regular expressions: the first such call
 * costs ≈ 6 ms (compiling them), every later one ≈ 0.1 ms for a grid cell. Nearly every line of the cockpit
 * holds one of its own narrow symbols (│ › … ▼ ●), so the first frame paid that hundreds of times.
 * These symbols are one column wide under string-width's own rules (East Asian Width neutral or ambiguous,
 * ambiguous counted narrow by default); test/unit/string-width.test.ts checks each against string-width and
 * compares the two on random text. Anything else — agent text, wide or combining characters, escapes, the
 * ambiguousIsNarrow:false option — goes to string-width unchanged.
 */
const NARROW = new RegExp(`^[\\x20-\\x7e${COCKPIT_SYMBOLS}]*$`);

export default function fastStringWidth(text: string, options?: Options): number {
  if (typeof text === 'string' && options?.ambiguousIsNarrow !== false && NARROW.test(text)) return text.length;
  return stringWidth(text, options);
}
