/**
 * A cross-frame cache for Ink's frame builder (docs/COCKPIT.md, "Frame cost").
 *
 * Ink 6 turns every frame into a width × height grid of styled cells: it tokenizes the ANSI text of
 * every write, places each character, then turns every line back into a string. For the cockpit's
 * 200 × 55 frame that is ≈ 11 000 cells and ≈ 90 % of the CPU of a keypress, although a key changes
 * two grid lines. Ink's own caches live in one `Output` object, i.e. one frame.
 *
 * This replaces `Output.prototype.get` with the same algorithm run per line, memoised across frames
 * on what was written onto that line (x, text after transformers) and the frame width. A line is
 * built exactly as Ink builds it (same functions, same order), so the output is byte-identical
 * (test/unit/fast-output.test.ts checks it against Ink's own `get`); an unchanged line costs one
 * Map lookup. Nothing else in Ink changes.
 */
import { ansiCodesToString, diffAnsiCodes, reduceAnsiCodesIncremental as reduceIncremental, tokenize, type StyledChar } from '@alcalzone/ansi-tokenize';
import sliceAnsi from 'slice-ansi';
import stringWidth from 'string-width';

type Transformer = (s: string, index: number) => string;
interface Clip {
  x1: number | undefined;
  x2: number | undefined;
  y1: number | undefined;
  y2: number | undefined;
}
type Operation = { type: 'write'; x: number; y: number; text: string; transformers: Transformer[] } | { type: 'clip'; clip: Clip } | { type: 'unclip' };

/** The shape of Ink's (unexported) Output class that this relies on. */
export interface InkOutputLike {
  width: number;
  height: number;
  operations: Operation[];
  get(): { output: string; height: number };
}

// Finished lines are small strings (a 500-agent grid has ≈ 1–2 thousand distinct ones); styled-char
// arrays are not kept across frames (≈ 10 KB per line), only within one frame, as Ink does.
const LIMIT = 5000;
const widths = new Map<string, number>();
const lines = new Map<string, string>();
let chars = new Map<string, StyledChar[]>();

type Codes = StyledChar['styles'];
/** Shared by every unstyled cell; never mutated (reduceAnsiCodesIncremental returns a new array). */
const NO_STYLES: Codes = [];

/**
 * ansi-tokenize's styledCharsFromTokens, except that characters in a run with the same styles share one
 * styles array instead of a copy each (nothing mutates them; Ink itself shares them for wide characters).
 */
export function styledCharsFromTokens(tokens: ReturnType<typeof tokenize>): StyledChar[] {
  let codes: Codes = NO_STYLES;
  const ret: StyledChar[] = [];
  for (const token of tokens) {
    if (token.type === 'ansi') codes = reduceIncremental(codes, [token]);
    else ret.push({ ...token, styles: codes });
  }
  return ret;
}

/** The same styles: diffAnsiCodes between them is empty (each list is reduced, so equal lists say it all). */
function sameCodes(a: Codes, b: Codes): boolean {
  if (a === b) return true;
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i]!.code !== b[i]!.code || a[i]!.endCode !== b[i]!.endCode) return false;
  return true;
}

/**
 * ansi-tokenize's styledCharsToString, byte for byte, without diffing the styles of neighbours that have
 * the same ones (most of a line: Ink's frame is mostly unstyled blanks). On the first frame the library's
 * version was ≈ 10 ms of the ≈ 65 ms from the first observation to the screen, at 500 agents.
 */
export function styledCharsToString(chars: readonly StyledChar[]): string {
  let ret = '';
  for (let i = 0; i < chars.length; i++) {
    const char = chars[i]!;
    if (i === 0) {
      if (char.styles.length > 0) ret += ansiCodesToString(char.styles);
    } else if (!sameCodes(chars[i - 1]!.styles, char.styles)) {
      ret += ansiCodesToString(diffAnsiCodes(chars[i - 1]!.styles, char.styles));
    }
    ret += char.value;
    if (i === chars.length - 1 && char.styles.length > 0) ret += ansiCodesToString(diffAnsiCodes(char.styles, []));
  }
  return ret;
}

function styled(line: string): StyledChar[] {
  let c = chars.get(line);
  if (c === undefined) {
    c = styledCharsFromTokens(tokenize(line));
    chars.set(line, c);
  }
  return c;
}

function width(s: string): number {
  let w = widths.get(s);
  if (w === undefined) {
    if (widths.size > LIMIT) widths.clear();
    w = stringWidth(s);
    widths.set(s, w);
  }
  return w;
}

/** One output line from the pieces written onto it, exactly as Ink's Output.get builds it. */
function buildLine(frameWidth: number, pieces: readonly (number | string)[]): string {
  const row: (StyledChar | undefined)[] = [];
  for (let x = 0; x < frameWidth; x++) row.push({ type: 'char', value: ' ', fullWidth: false, styles: NO_STYLES } as StyledChar);
  for (let i = 0; i < pieces.length; i += 2) {
    let offsetX = pieces[i] as number;
    for (const character of styled(pieces[i + 1] as string)) {
      row[offsetX] = character;
      const characterWidth = Math.max(1, width(character.value));
      if (characterWidth > 1) {
        for (let k = 1; k < characterWidth; k++) row[offsetX + k] = { type: 'char', value: '', fullWidth: false, styles: character.styles } as StyledChar;
      }
      offsetX += characterWidth;
    }
  }
  return styledCharsToString(row.filter((c): c is StyledChar => c !== undefined)).trimEnd();
}

/** Ink's Output.get, with the per-line work memoised across frames. */
export function cachedGet(this: InkOutputLike): { output: string; height: number } {
  const perRow: (number | string)[][] = Array.from({ length: this.height }, () => []);
  const clips: Clip[] = [];
  for (const operation of this.operations) {
    if (operation.type === 'clip') clips.push(operation.clip);
    if (operation.type === 'unclip') clips.pop();
    if (operation.type !== 'write') continue;
    const { text, transformers } = operation;
    let { x, y } = operation;
    let textLines = text.split('\n');
    const clip = clips.at(-1);
    if (clip) {
      const clipHorizontally = typeof clip.x1 === 'number' && typeof clip.x2 === 'number';
      const clipVertically = typeof clip.y1 === 'number' && typeof clip.y2 === 'number';
      if (clipHorizontally) {
        const w = Math.max(0, ...text.split('\n').map(width));
        if (x + w < clip.x1! || x > clip.x2!) continue;
      }
      if (clipVertically) {
        const h = textLines.length;
        if (y + h < clip.y1! || y > clip.y2!) continue;
      }
      if (clipHorizontally) {
        textLines = textLines.map((line) => {
          const from = x < clip.x1! ? clip.x1! - x : 0;
          const w = width(line);
          const to = x + w > clip.x2! ? clip.x2! - x : w;
          return sliceAnsi(line, from, to);
        });
        if (x < clip.x1!) x = clip.x1!;
      }
      if (clipVertically) {
        const from = y < clip.y1! ? clip.y1! - y : 0;
        const h = textLines.length;
        const to = y + h > clip.y2! ? clip.y2! - y : h;
        textLines = textLines.slice(from, to);
        if (y < clip.y1!) y = clip.y1!;
      }
    }
    let offsetY = 0;
    for (const [index, raw] of textLines.entries()) {
      const target = perRow[y + offsetY];
      // Ink skips a line outside the pre-sized frame (and does not count it)
      if (!target) continue;
      let line = raw;
      for (const transformer of transformers) line = transformer(line, index);
      target.push(x, line);
      offsetY++;
    }
  }
  const out: string[] = [];
  chars = new Map();
  for (const pieces of perRow) {
    if (pieces.length === 0) {
      out.push('');
      continue;
    }
    const key = `${this.width}\u0000${pieces.join('\u0000')}`;
    let line = lines.get(key);
    if (line === undefined) {
      if (lines.size > LIMIT) lines.clear();
      line = buildLine(this.width, pieces);
      lines.set(key, line);
    }
    out.push(line);
  }
  chars = new Map();
  return { output: out.join('\n'), height: this.height };
}

/** Installs the cached `get` on Ink's Output class (idempotent); returns the original. */
export function installCachedOutput(OutputClass: { prototype: InkOutputLike }): () => { output: string; height: number } {
  const proto = OutputClass.prototype as InkOutputLike & { __fleetOriginalGet?: () => { output: string; height: number } };
  if (!proto.__fleetOriginalGet) {
    proto.__fleetOriginalGet = proto.get;
    proto.get = cachedGet;
  }
  return proto.__fleetOriginalGet;
}
