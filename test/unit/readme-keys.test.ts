import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { KEYMAP, keyLabel, type KeyBinding } from '../../src/keymap.js';
import { REPO_ROOT } from '../helpers/tmux.js';

/** The README's key table, as it must read: one row per binding, in KEYMAP order. */
export function keyTableMarkdown(keymap: readonly KeyBinding[]): string {
  const rows = keymap.map((b) => {
    const keys = b.keys.map((k) => `\`${keyLabel(k)}\``).join(' ');
    const note = b.dangerous ? 'dangerous: asks to confirm; not in `--read-only`' : '';
    return `| ${b.mode} | ${keys} | ${b.label} | ${note} |`.replace(/ {2,}\|$/, ' |');
  });
  return ['| mode | keys | action | |', '|---|---|---|---|', ...rows].join('\n');
}

function readmeSection(title: string): string {
  const text = fs.readFileSync(path.join(REPO_ROOT, 'README.md'), 'utf8');
  const start = text.indexOf(`\n## ${title}\n`);
  if (start < 0) throw new Error(`README.md has no "## ${title}" section`);
  const end = text.indexOf('\n## ', start + 1);
  return text.slice(start, end < 0 ? undefined : end);
}

function tableRows(section: string): string[] {
  return section.split('\n').filter((l) => l.startsWith('|')).map((l) => l.trim());
}

describe('README key bindings', () => {
  it('the table in README.md is exactly the key table (regenerate it from this test when KEYMAP changes)', () => {
    const want = keyTableMarkdown(KEYMAP);
    const got = tableRows(readmeSection('Key bindings')).join('\n');
    if (got !== want) {
      process.stderr.write(`\nREADME.md "## Key bindings" should hold this table:\n\n${want}\n\n`);
    }
    expect(got).toBe(want);
  });

  it('every action and every dangerous flag of KEYMAP appears in the README table', () => {
    const rows = tableRows(readmeSection('Key bindings')).slice(2);
    expect(rows).toHaveLength(KEYMAP.length);
    KEYMAP.forEach((b, i) => {
      const cells = rows[i]!.split('|').map((c) => c.trim());
      expect(cells[1]).toBe(b.mode);
      for (const k of b.keys) expect(cells[2]).toContain(`\`${keyLabel(k)}\``);
      expect(cells[3]).toBe(b.label);
      expect(cells[4]!.startsWith('dangerous')).toBe(b.dangerous === true);
    });
  });

  it('the generator marks a dangerous binding and leaves a safe one plain (so the check can fail)', () => {
    const t = keyTableMarkdown([
      { mode: 'grid', keys: ['r'], action: 'reset', label: 'reset', dangerous: true },
      { mode: 'grid', keys: ['enter', 'ctrl+j'], action: 'attach', label: 'attach' },
    ]);
    expect(t.split('\n')[2]).toBe('| grid | `r` | reset | dangerous: asks to confirm; not in `--read-only` |');
    expect(t.split('\n')[3]).toBe('| grid | `⏎` `^J` | attach | |');
  });
});
