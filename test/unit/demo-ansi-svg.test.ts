import { describe, expect, it } from 'vitest';
import { DEFAULT_BG, DEFAULT_FG, PALETTE16, ansiToSvg, applySgr, color256, parseAnsi } from '../../src/demo/ansi-svg.js';

const E = '\u001b';

describe('parseAnsi', () => {
  it('keeps text and applies SGR colours, bold and reset', () => {
    const rows = parseAnsi(`ab${E}[1;31mcd${E}[0me`);
    expect(rows).toHaveLength(1);
    const r = rows[0]!;
    expect(r.map((c) => c.ch).join('')).toBe('abcde');
    expect(r[0]!.style.fg).toBeNull();
    expect(r[2]!.style).toMatchObject({ fg: PALETTE16[1], bold: true });
    expect(r[4]!.style).toMatchObject({ fg: null, bold: false });
  });

  it('understands 256-colour and true-colour foreground and background', () => {
    const [r] = parseAnsi(`${E}[38;5;196mx${E}[48;2;1;2;3my${E}[39;49mz`);
    expect(r![0]!.style.fg).toBe(color256(196));
    expect(r![1]!.style.bg).toBe('#010203');
    expect(r![2]!.style).toMatchObject({ fg: null, bg: null });
  });

  it('drops every non-SGR escape and control character (cursor moves, OSC titles, BEL, C1)', () => {
    const [r] = parseAnsi(`a${E}[2Jb${E}]0;evil title\u0007c\u0007d\u0085e${E}[?25lf`);
    expect(r!.map((c) => c.ch).join('')).toBe('abcdef');
  });

  it('gives wide characters two columns and combining marks none', () => {
    const [r] = parseAnsi('日x e\u0301');
    expect(r!.map((c) => c.ch)).toEqual(['日', '', 'x', ' ', 'e\u0301']);
  });

  it('style carries across lines (tmux does not repeat it) and trailing empty lines go', () => {
    const rows = parseAnsi(`${E}[32mgreen\nstill\n\n`);
    expect(rows).toHaveLength(2);
    expect(rows[1]![0]!.style.fg).toBe(PALETTE16[2]);
  });
});

describe('color256 / applySgr', () => {
  it('maps the cube and the grey ramp like xterm', () => {
    expect(color256(16)).toBe('#000000');
    expect(color256(231)).toBe('#ffffff');
    expect(color256(232)).toBe('#080808');
    expect(color256(9)).toBe(PALETTE16[9]);
  });
  it('inverse, dim, italic and their resets', () => {
    let s = applySgr({ fg: null, bg: null, bold: false, dim: false, italic: false, underline: false, inverse: false }, [2, 3, 4, 7]);
    expect(s).toMatchObject({ dim: true, italic: true, underline: true, inverse: true });
    s = applySgr(s, [22, 23, 24, 27]);
    expect(s).toMatchObject({ dim: false, italic: false, underline: false, inverse: false });
    expect(applySgr(s, [])).toMatchObject({ fg: null });
  });
});

describe('ansiToSvg', () => {
  it('is a well-formed SVG with escaped text, colours and fixed cell positions', () => {
    const svg = ansiToSvg(`${E}[7m NAME ${E}[0m <a&b>\n${E}[33mbusy${E}[0m`, { cols: 20, rows: 3, title: 'fleet demo' });
    expect(svg.startsWith('<svg xmlns="http://www.w3.org/2000/svg"')).toBe(true);
    expect(svg.trim().endsWith('</svg>')).toBe(true);
    expect(svg).toContain('&lt;a&amp;b&gt;');
    expect(svg).not.toContain('<a&b>');
    expect(svg).toContain(`fill="${PALETTE16[3]}"`); // yellow "busy"
    // inverse: the header's background is the default foreground colour
    expect(svg).toContain(`fill="${DEFAULT_FG}"/>`);
    expect(svg).toContain('fleet demo');
    expect(svg).toContain(`fill="${DEFAULT_BG}"`);
    // every text run is stretched to its columns, so alignment does not depend on the font
    expect(svg).toMatch(/textLength="[\d.]+" lengthAdjust="spacingAndGlyphs"/);
  });

  it('never lets captured text open an element', () => {
    const svg = ansiToSvg('<script>alert(1)</script>');
    expect(svg).not.toContain('<script>');
  });
});
