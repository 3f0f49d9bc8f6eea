import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { planFor, pool } from '../../src/delivery/broadcast.js';
import { readText, textProblem } from '../../src/delivery/text-input.js';
import { ConfigError } from '../../src/domain/errors.js';
import type { AgentRow } from '../../src/domain/types.js';
import { tempDir } from '../helpers/tmux.js';

describe('textProblem', () => {
  it.each([
    ['', /empty/],
    [' \n\t', /only white space/],
    ['x'.repeat(11), /11 bytes, over the limit of 10 bytes/],
    ['éééééé', /12 bytes/], // counted in UTF-8 bytes, not characters
    ['a\u001b[201~b', /bracketed-paste marker \(ESC\[201~\) at character 1/],
    ['\u001b[200~', /marker/],
    ['a\u0000b', /NUL byte at character 1/],
  ])('%j is refused', (text, msg) => {
    expect(textProblem(text, 10)).toMatch(msg);
  });

  it.each(['-n', 'a;', '$(x) #(y) `z`', 'tab\there', 'cr\r\nlf', '🚀', '\u001b[31mred\u001b[0m'])('%j is deliverable', (t) => {
    expect(textProblem(t)).toBeNull();
  });
});

describe('readText', () => {
  const stdin = (s: string) => ({ readStdin: async () => s, stdinIsTTY: false });

  it('takes --text, --file or stdin, exactly as given', async () => {
    const dir = tempDir();
    const file = path.join(dir, 'm.txt');
    fs.writeFileSync(file, 'from\r\nfile\n');
    expect(await readText({ text: ' keep  spaces ' })).toBe(' keep  spaces ');
    expect(await readText({ file })).toBe('from\r\nfile\n');
    expect(await readText(stdin('piped\n'))).toBe('piped\n');
  });

  it('refuses both sources, a terminal on stdin, unreadable files and oversized files, as usage errors', async () => {
    const dir = tempDir();
    const big = path.join(dir, 'big');
    fs.writeFileSync(big, 'x'.repeat(100));
    await expect(readText({ text: 'a', file: big })).rejects.toThrow(/not both/);
    await expect(readText({ stdinIsTTY: true })).rejects.toThrow(/no text: give --text, --file/);
    await expect(readText({ file: path.join(dir, 'missing') })).rejects.toThrow(/--file .*missing: cannot read: ENOENT/);
    await expect(readText({ file: dir })).rejects.toThrow(/not a regular file/);
    await expect(readText({ file: big }, 50)).rejects.toThrow(/100 bytes, over the limit of 50/);
    await expect(readText(stdin(''))).rejects.toThrow(/stdin: the text is empty/);
    await expect(readText({ text: '' })).rejects.toBeInstanceOf(ConfigError);
  });
});

const row = (o: Partial<AgentRow>): AgentRow => ({
  name: 'a', runtime: 'claude', state: 'idle', session: null, cwd: '/w', class: null, tags: [],
  lastActivityAt: null, stateSince: null, pid: null, stopped: false, managed: 'fleet', ...o,
});

describe('planFor', () => {
  it.each([
    [row({ state: 'idle' }), false, 'deliver'],
    [row({ state: 'busy' }), false, 'deliver'],
    [row({ state: 'waiting' }), false, 'deliver'], // deliverToLive defers it after looking at the screen
    [row({ state: 'asleep' }), false, 'wake'],
    [row({ state: 'dead' }), false, 'wake'],
    [row({ state: 'asleep' }), true, 'skip'],
    [row({ state: 'stopped', stopped: true }), false, 'skip'],
    [row({ state: 'external', managed: 'external' }), false, 'skip'],
    [undefined, false, 'skip'],
  ])('%j noWake=%s → %s', (r, noWake, action) => {
    expect(planFor(r, noWake).action).toBe(action);
  });
});

describe('pool', () => {
  it('never has more than n in flight and runs every item once', async () => {
    let inFlight = 0;
    let peak = 0;
    const seen: number[] = [];
    await pool(Array.from({ length: 20 }, (_, i) => i), 3, async (i) => {
      inFlight++;
      peak = Math.max(peak, inFlight);
      await new Promise((r) => setTimeout(r, 1 + (i % 4)));
      seen.push(i);
      inFlight--;
    });
    expect(peak).toBe(3);
    expect(seen.sort((a, b) => a - b)).toEqual(Array.from({ length: 20 }, (_, i) => i));
  });
});
