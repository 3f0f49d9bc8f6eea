import { describe, expect, it } from 'vitest';
import { KEYMAP, bindings, charChord, chordOf, keyLabel, resolve, TEXT_MODES } from '../../src/keymap.js';
import { MODES } from '../../src/store/types.js';
import { footerText } from '../../components/Footer.js';

describe('the key table', () => {
  it('resolves the k9s-style grid keys', () => {
    const a = (chord: string) => resolve('grid', chord)?.action;
    expect(a('j')).toBe('cursor.down');
    expect(a('down')).toBe('cursor.down');
    expect(a('k')).toBe('cursor.up');
    expect(a('g')).toBe('cursor.top');
    expect(a('G')).toBe('cursor.bottom');
    expect(a('pagedown')).toBe('page.down');
    expect(a('enter')).toBe('attach');
    expect(a('w')).toBe('wake');
    expect(a('r')).toBe('reset');
    expect(a('s')).toBe('stop');
    expect(a('S')).toBe('start');
    expect(a('space')).toBe('mark.toggle');
    expect(a('a')).toBe('mark.all');
    expect(a('A')).toBe('mark.clear');
    expect(a('b')).toBe('prompt.open');
    expect(a(':')).toBe('command.open');
    expect(a('/')).toBe('filter.open');
    expect(a('p')).toBe('preview.toggle');
    expect(a('?')).toBe('help.open');
    expect(a('q')).toBe('quit');
    expect(a('escape')).toBe('back');
    expect(a('x')).toBeUndefined();
  });

  it('every mode has a way back (Esc) and Ctrl-C quits from every mode', () => {
    for (const m of MODES) {
      expect(resolve(m, 'escape'), m).toBeDefined();
      expect(resolve(m, 'ctrl+c')?.action, m).toBe('quit');
    }
  });

  it('no chord is bound twice in one mode', () => {
    for (const m of MODES) {
      const seen = new Set<string>();
      for (const b of bindings(m)) for (const k of b.keys) {
        expect(seen.has(k), `${m} ${k}`).toBe(false);
        seen.add(k);
      }
    }
  });

  it('text modes leave printable keys to typing', () => {
    for (const m of TEXT_MODES) for (const ch of 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789:/?') expect(resolve(m, ch), `${m} ${ch}`).toBeUndefined();
  });

  it('--read-only drops every dangerous binding (reset, stop, broadcast) and nothing else', () => {
    const dangerous = KEYMAP.filter((b) => b.dangerous).map((b) => b.action);
    expect(dangerous.sort()).toEqual(['prompt.open', 'prompt.send', 'reset', 'stop']);
    expect(resolve('grid', 'r', true)).toBeUndefined();
    expect(resolve('grid', 's', true)).toBeUndefined();
    expect(resolve('grid', 'b', true)).toBeUndefined();
    expect(resolve('grid', 'w', true)?.action).toBe('wake');
    expect(footerText('grid', true)).not.toMatch(/reset|stop|broadcast/);
    expect(footerText('grid', false)).toMatch(/r reset {2}s stop/);
  });

  it('the footer is generated from the table', () => {
    const f = footerText('prompt', false);
    for (const b of bindings('prompt').filter((x) => x.footer)) expect(f).toContain(b.label);
    expect(f).toContain('^J/alt-⏎ new line');
  });

  it('chordOf turns Ink key events into chords', () => {
    expect(chordOf('', { return: true })).toBe('enter');
    expect(chordOf('', { return: true, meta: true })).toBe('alt+enter');
    expect(chordOf('\n', {})).toBe('ctrl+j');
    expect(chordOf('', { upArrow: true })).toBe('up');
    expect(chordOf('', { pageDown: true })).toBe('pagedown');
    expect(chordOf('', { escape: true, meta: true })).toBe('escape');
    expect(chordOf('c', { ctrl: true })).toBe('ctrl+c');
    expect(chordOf(' ', {})).toBe('space');
    expect(chordOf('G', { shift: true })).toBe('G');
    expect(chordOf('', { delete: true })).toBe('backspace');
    expect(chordOf('', { tab: true })).toBe('tab');
  });

  it('charChord names raw characters of a multi-key chunk', () => {
    expect(['\r', '\n', '\t', '\u007f', '\u001b', ' ', '\u0003', 'x'].map(charChord)).toEqual(['enter', 'ctrl+j', 'tab', 'backspace', 'escape', 'space', 'ctrl+c', 'x']);
  });

  it('key labels', () => {
    expect(keyLabel('enter')).toBe('⏎');
    expect(keyLabel('ctrl+j')).toBe('^J');
    expect(keyLabel('pageup')).toBe('PgUp');
    expect(keyLabel('G')).toBe('G');
  });
});

describe('docs/COCKPIT.md', () => {
  it('holds the key table exactly as the code has it', async () => {
    const fs = await import('node:fs');
    const { keyTableMarkdown } = await import('../../src/keymap.js');
    const doc = fs.readFileSync(new URL('../../docs/COCKPIT.md', import.meta.url), 'utf8');
    expect(doc).toContain(keyTableMarkdown());
  });
});
