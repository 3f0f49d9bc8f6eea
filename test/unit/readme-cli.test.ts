import fs from 'node:fs';
import path from 'node:path';
import type { Command } from 'commander';
import { describe, expect, it } from 'vitest';
import { buildProgram } from '../../src/cli/main.js';
import { REPO_ROOT } from '../helpers/tmux.js';

/** Options every verb takes; the README states them once, not per verb. */
const COMMON = new Set(['--socket', '--roster', '--state-dir', '--json', '--help']);

function scriptingRows(): string[] {
  const text = fs.readFileSync(path.join(REPO_ROOT, 'README.md'), 'utf8');
  const start = text.indexOf('\n## Scripting\n');
  if (start < 0) throw new Error('README.md has no "## Scripting" section');
  const end = text.indexOf('\n## ', start + 1);
  return text.slice(start, end < 0 ? undefined : end).split('\n').filter((l) => l.startsWith('| `fleet '));
}

/** The README rows that document verb `name` (a row may document two: `fleet stop` / `fleet start`). */
function rowsFor(rows: readonly string[], name: string): string {
  return rows.filter((r) => new RegExp(`\`fleet ${name}[\\s\`]`).test(r)).join('\n');
}

function longFlags(c: Command): string[] {
  return c.options.map((o) => o.long).filter((l): l is string => typeof l === 'string' && !COMMON.has(l));
}

describe('README Scripting table and the CLI agree', () => {
  const program = buildProgram();
  const verbs = program.commands.filter((c) => c.name() !== 'help');
  const rows = scriptingRows();

  it('every verb of `fleet --help` has a row, and every row names a real verb', () => {
    for (const v of verbs) expect(rowsFor(rows, v.name()), `README Scripting table: no row for fleet ${v.name()}`).not.toBe('');
    const named = new Set(rows.flatMap((r) => [...r.matchAll(/`fleet ([a-z]+)/g)].map((m) => m[1]!)));
    for (const n of named) expect(verbs.map((v) => v.name()), `README names fleet ${n}, which is not a verb`).toContain(n);
  });

  it('every option and sub-command of every verb is in its README row', () => {
    const missing: string[] = [];
    for (const v of verbs) {
      const row = rowsFor(rows, v.name());
      for (const flag of longFlags(v)) if (!row.includes(flag)) missing.push(`fleet ${v.name()} ${flag}`);
      for (const sub of v.commands) {
        if (!row.includes(sub.name())) missing.push(`fleet ${v.name()} ${sub.name()}`);
        for (const flag of longFlags(sub)) if (!row.includes(flag)) missing.push(`fleet ${v.name()} ${sub.name()} ${flag}`);
      }
    }
    expect(missing, 'options missing from the README Scripting table').toEqual([]);
  });

  it('every verb states the common options in its --help (as the README says)', () => {
    for (const v of verbs) {
      const flags = v.options.map((o) => o.long);
      for (const g of ['--socket', '--roster', '--state-dir']) expect(flags, `fleet ${v.name()} lacks ${g}`).toContain(g);
    }
  });

  it('the check can fail: a made-up option is reported missing', () => {
    expect(rowsFor(rows, 'ls').includes('--made-up-flag')).toBe(false);
    expect(rowsFor(rows, 'no-such-verb')).toBe('');
  });
});
