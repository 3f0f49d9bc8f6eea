/**
 * Renders a `tmux capture-pane -e -p` capture (text + SGR colour escapes) as an SVG picture, so the
 * README's screenshot is generated from a real capture of the demo and needs no extra tools. Pure.
 * Only SGR (`ESC [ … m`) is interpreted; every other escape sequence and control character is dropped.
 */

export interface Style {
  fg: string | null;
  bg: string | null;
  bold: boolean;
  dim: boolean;
  italic: boolean;
  underline: boolean;
  inverse: boolean;
}

export interface Cell {
  ch: string;
  style: Style;
}

const PLAIN: Style = { fg: null, bg: null, bold: false, dim: false, italic: false, underline: false, inverse: false };

/** The 16 basic colours (a dark terminal theme). */
export const PALETTE16 = [
  '#1e1e2e', '#e06c75', '#98c379', '#e5c07b', '#61afef', '#c678dd', '#56b6c2', '#abb2bf',
  '#5c6370', '#ff7b86', '#b5e890', '#ffd68a', '#82c4ff', '#e09cff', '#7fd7e2', '#ffffff',
];
export const DEFAULT_FG = '#d7dae0';
export const DEFAULT_BG = '#14161b';

/** xterm's 256-colour palette entry n. */
export function color256(n: number): string {
  if (n < 16) return PALETTE16[n] ?? DEFAULT_FG;
  if (n < 232) {
    const i = n - 16;
    const lv = [0, 95, 135, 175, 215, 255];
    const hex = (v: number): string => v.toString(16).padStart(2, '0');
    return `#${hex(lv[Math.floor(i / 36)] ?? 0)}${hex(lv[Math.floor(i / 6) % 6] ?? 0)}${hex(lv[i % 6] ?? 0)}`;
  }
  const g = 8 + (n - 232) * 10;
  const h = g.toString(16).padStart(2, '0');
  return `#${h}${h}${h}`;
}

function rgb(r: number, g: number, b: number): string {
  const h = (v: number): string => Math.max(0, Math.min(255, v | 0)).toString(16).padStart(2, '0');
  return `#${h(r)}${h(g)}${h(b)}`;
}

/** Applies one SGR parameter list to a style. */
export function applySgr(style: Style, params: readonly number[]): Style {
  const s = { ...style };
  const p = params.length === 0 ? [0] : params;
  for (let i = 0; i < p.length; i++) {
    const c = p[i] ?? 0;
    if (c === 0) Object.assign(s, PLAIN);
    else if (c === 1) s.bold = true;
    else if (c === 2) s.dim = true;
    else if (c === 3) s.italic = true;
    else if (c === 4) s.underline = true;
    else if (c === 7) s.inverse = true;
    else if (c === 22) s.bold = s.dim = false;
    else if (c === 23) s.italic = false;
    else if (c === 24) s.underline = false;
    else if (c === 27) s.inverse = false;
    else if (c >= 30 && c <= 37) s.fg = PALETTE16[c - 30] ?? null;
    else if (c >= 90 && c <= 97) s.fg = PALETTE16[c - 90 + 8] ?? null;
    else if (c === 39) s.fg = null;
    else if (c >= 40 && c <= 47) s.bg = PALETTE16[c - 40] ?? null;
    else if (c >= 100 && c <= 107) s.bg = PALETTE16[c - 100 + 8] ?? null;
    else if (c === 49) s.bg = null;
    else if (c === 38 || c === 48) {
      let col: string | null = null;
      if (p[i + 1] === 5) {
        col = color256(p[i + 2] ?? 0);
        i += 2;
      } else if (p[i + 1] === 2) {
        col = rgb(p[i + 2] ?? 0, p[i + 3] ?? 0, p[i + 4] ?? 0);
        i += 4;
      }
      if (c === 38) s.fg = col;
      else s.bg = col;
    }
  }
  return s;
}

/** Parses a capture into rows of cells (one cell per code point; escapes other than SGR dropped). */
export function parseAnsi(text: string): Cell[][] {
  const rows: Cell[][] = [];
  let style: Style = { ...PLAIN };
  for (const line of text.replace(/\r/g, '').split('\n')) {
    const row: Cell[] = [];
    let i = 0;
    while (i < line.length) {
      const ch = line[i]!;
      if (ch === '\u001b') {
        const sgr = /^\u001b\[([0-9;:]*)m/.exec(line.slice(i));
        if (sgr) {
          style = applySgr(style, (sgr[1] ?? '').split(/[;:]/).filter((x) => x !== '').map(Number));
          i += sgr[0].length;
          continue;
        }
        const other = /^\u001b(\[[0-?]*[ -/]*[@-~]|\][^\u0007\u001b]*(\u0007|\u001b\\)?|.)/.exec(line.slice(i));
        i += other ? other[0].length : 1;
        continue;
      }
      const cp = line.codePointAt(i)!;
      const s = String.fromCodePoint(cp);
      i += s.length;
      if (cp < 0x20 || (cp >= 0x7f && cp < 0xa0)) continue;
      if (/\p{Mn}/u.test(s) || cp === 0x200d || (cp >= 0xfe00 && cp <= 0xfe0f)) {
        const last = row[row.length - 1];
        if (last) last.ch += s; // combining mark, joiner, variation selector: no column of its own
        continue;
      }
      row.push({ ch: s, style });
      if (isWide(cp)) row.push({ ch: '', style }); // the second column of a wide character
    }
    rows.push(row);
  }
  while (rows.length > 0 && rows[rows.length - 1]!.length === 0) rows.pop();
  return rows;
}

/** East Asian wide and emoji code points take two terminal columns. */
export function isWide(cp: number): boolean {
  return (
    (cp >= 0x1100 && cp <= 0x115f) || (cp >= 0x2e80 && cp <= 0xa4cf && cp !== 0x303f) || (cp >= 0xac00 && cp <= 0xd7a3) ||
    (cp >= 0xf900 && cp <= 0xfaff) || (cp >= 0xfe30 && cp <= 0xfe4f) || (cp >= 0xff00 && cp <= 0xff60) || (cp >= 0xffe0 && cp <= 0xffe6) ||
    (cp >= 0x1f300 && cp <= 0x1f64f) || (cp >= 0x1f900 && cp <= 0x1f9ff) || (cp >= 0x20000 && cp <= 0x3fffd)
  );
}

const esc = (s: string): string => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

function colours(s: Style): { fg: string; bg: string | null } {
  let fg = s.fg ?? DEFAULT_FG;
  let bg = s.bg;
  if (s.inverse) {
    const f = fg;
    fg = bg ?? DEFAULT_BG;
    bg = f;
  }
  return { fg, bg };
}

const sameStyle = (a: Style, b: Style): boolean =>
  a.fg === b.fg && a.bg === b.bg && a.bold === b.bold && a.dim === b.dim && a.italic === b.italic && a.underline === b.underline && a.inverse === b.inverse;

export interface SvgOptions {
  cols?: number;
  rows?: number;
  title?: string;
  fontSize?: number;
}

/** One SVG picture of the capture: a terminal window with the coloured text at fixed cell positions. */
export function ansiToSvg(capture: string, o: SvgOptions = {}): string {
  const grid = parseAnsi(capture);
  const fs = o.fontSize ?? 14;
  const cw = Math.round(fs * 0.6 * 100) / 100;
  const lh = Math.round(fs * 1.3 * 100) / 100;
  const cols = o.cols ?? Math.max(1, ...grid.map((r) => r.length));
  const nrows = o.rows ?? grid.length;
  const pad = 12;
  const top = o.title ? 28 : pad;
  const width = Math.ceil(cols * cw + 2 * pad);
  const height = Math.ceil(nrows * lh + top + pad);
  const out: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="ui-monospace, 'DejaVu Sans Mono', Menlo, Consolas, monospace" font-size="${fs}">`,
    `<rect width="100%" height="100%" rx="8" fill="${DEFAULT_BG}"/>`,
  ];
  if (o.title) {
    out.push(`<circle cx="16" cy="14" r="5" fill="#e06c75"/><circle cx="32" cy="14" r="5" fill="#e5c07b"/><circle cx="48" cy="14" r="5" fill="#98c379"/>`);
    out.push(`<text x="${width / 2}" y="18" fill="#8b919e" text-anchor="middle" font-size="12">${esc(o.title)}</text>`);
  }
  grid.slice(0, nrows).forEach((row, r) => {
    const y = top + r * lh;
    let c = 0;
    while (c < row.length && c < cols) {
      const start = c;
      const style = row[c]!.style;
      let text = '';
      while (c < row.length && c < cols && sameStyle(row[c]!.style, style)) text += row[c++]!.ch;
      const { fg, bg } = colours(style);
      const x = pad + start * cw;
      const w = (c - start) * cw;
      if (bg) out.push(`<rect x="${x.toFixed(2)}" y="${y.toFixed(2)}" width="${w.toFixed(2)}" height="${lh}" fill="${bg}"/>`);
      if (text.trim() === '') continue;
      const attrs = [`x="${x.toFixed(2)}"`, `y="${(y + lh * 0.78).toFixed(2)}"`, `fill="${fg}"`, `textLength="${w.toFixed(2)}"`, 'lengthAdjust="spacingAndGlyphs"'];
      if (style.bold) attrs.push('font-weight="bold"');
      if (style.dim) attrs.push('fill-opacity="0.6"');
      if (style.italic) attrs.push('font-style="italic"');
      if (style.underline) attrs.push('text-decoration="underline"');
      out.push(`<text ${attrs.join(' ')} xml:space="preserve" style="white-space:pre">${esc(text)}</text>`);
    }
  });
  out.push('</svg>');
  return out.join('\n') + '\n';
}
