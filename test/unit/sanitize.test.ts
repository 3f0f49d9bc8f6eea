import { describe, expect, it } from 'vitest';
import { isClean, sanitize } from '../../src/domain/sanitize.js';

const ESC = '\u001b';

describe('sanitize: nothing an agent writes can reach the operator terminal as a control sequence', () => {
  it.each([
    ['CSI colour', `${ESC}[31mred${ESC}[0m`, 'red'],
    ['CSI cursor movement', `a${ESC}[2J${ESC}[H${ESC}[10;5Hb`, 'ab'],
    ['CSI private mode', `${ESC}[?1049h${ESC}[?25lx`, 'x'],
    ['OSC title with BEL', `${ESC}]0;pwned${'\u0007'}ok`, 'ok'],
    ['OSC 52 clipboard with ST', `${ESC}]52;c;ZXZpbA==${ESC}\\ok`, 'ok'],
    ['OSC 8 hyperlink', `${ESC}]8;;https://evil${ESC}\\link${ESC}]8;;${ESC}\\`, 'link'],
    ['DCS string', `${ESC}Pq#0;2;0;0;0${ESC}\\x`, 'x'],
    ['APC string', `${ESC}_payload${ESC}\\x`, 'x'],
    ['two-byte ESC', `${ESC}cx${ESC}7y`, 'xy'],
    ['8-bit CSI', `\u009b31mx`, 'x'],
    ['8-bit OSC', `\u009d0;t\u0007x`, 'x'],
    ['carriage return overwrite', 'safe\rEVIL', 'safeEVIL'],
    ['backspace', 'ab\bc', 'abc'],
    ['BEL', 'a\u0007b', 'ab'],
    ['NUL and DEL', 'a\u0000b\u007fc', 'abc'],
    ['bidi override', 'abc\u202edef\u2066x\u2069', 'abcdefx'],
    ['unterminated OSC at the end', `ok${ESC}]0;never ends`, 'ok'],
    ['unterminated CSI at the end', `ok${ESC}[31`, 'ok'],
    ['lone ESC at the end', `ok${ESC}`, 'ok'],
  ])('%s', (_what, input, want) => {
    const out = sanitize(input);
    expect(out).toBe(want);
    expect(out).not.toMatch(/[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/);
    expect(isClean(out)).toBe(true);
  });

  it('keeps newlines, turns tabs into spaces, keeps ordinary Unicode', () => {
    expect(sanitize('a\tb\nc café ✓ 日本')).toBe('a b\nc café ✓ 日本');
  });

  it('singleLine joins lines with ⏎ and max cuts with an ellipsis', () => {
    expect(sanitize('one\n\ntwo', { singleLine: true })).toBe('one⏎ two');
    expect(sanitize('abcdefgh', { max: 5 })).toBe('abcd…');
    expect(sanitize('abc', { max: 5 })).toBe('abc');
  });

  it('isClean tells dirty from clean', () => {
    expect(isClean('plain text\n')).toBe(true);
    expect(isClean(`${ESC}[1mx`)).toBe(false);
  });
});
