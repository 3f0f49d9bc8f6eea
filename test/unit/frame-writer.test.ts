import { describe, expect, it } from 'vitest';
import { createFrameDiffWriter } from '../../src/cockpit/frame-writer.js';

const erase = (n: number) => (n === 0 ? '' : '\u001b[2K\u001b[1A'.repeat(n - 1) + '\u001b[2K\u001b[G');

/** A tiny screen model: applies CUP (row;1H), EL (K / 2K) and text; enough to check the result. */
function apply(screen: string[], s: string): string[] {
  const out = [...screen];
  let row = 0;
  let col = 0;
  const re = /\u001b\[(\d+);1H|\u001b\[2K|\u001b\[K|\u001b\[1A|\u001b\[G|\u001b\[[0-9;?]*[A-Za-z]|\n|[^\u001b\n]+/g;
  for (const m of s.matchAll(re)) {
    const t = m[0];
    if (m[1]) {
      row = Number(m[1]) - 1;
      col = 0;
    } else if (t === '\u001b[2K') out[row] = '';
    else if (t === '\u001b[K') out[row] = (out[row] ?? '').slice(0, col);
    else if (t === '\u001b[1A') row = Math.max(0, row - 1);
    else if (t === '\u001b[G') col = 0;
    else if (t === '\n') {
      row++;
      col = 0;
    } else if (!t.startsWith('\u001b')) {
      const line = (out[row] ?? '').padEnd(col);
      out[row] = line.slice(0, col) + t + line.slice(col + t.length);
      col += t.length;
    }
  }
  return out;
}

describe('frame diff writer', () => {
  it('writes the first frame whole, then only the changed lines, and the screen ends up the same', () => {
    const written: string[] = [];
    const w = createFrameDiffWriter((s) => (written.push(s), true));
    const f1 = 'header\nrow a\nrow b\nfooter\n';
    const f2 = 'header\nrow a\nrow B!\nfooter\n';
    w.write('\u001b[?2026h');
    w.write(erase(0) + f1);
    w.write(erase(5) + f2);
    expect(written[0]).toBe('\u001b[?2026h');
    expect(written[1]).toBe(f1);
    expect(written[2]).not.toContain('header');
    expect(written[2]).toContain('row B!');
    let screen: string[] = [];
    for (const s of written) screen = apply(screen, s);
    expect(screen.slice(0, 4)).toEqual(['header', 'row a', 'row B!', 'footer']);
    expect(w.stats.bytesOut).toBeLessThan(w.stats.bytesIn);
  });

  it('a shorter frame clears the lines it no longer has; colours are kept', () => {
    const written: string[] = [];
    const w = createFrameDiffWriter((s) => (written.push(s), true));
    w.write('a\nb\nc\n');
    w.write(erase(4) + 'a\n\u001b[31mB\u001b[39m\n');
    let screen: string[] = [];
    for (const s of written) screen = apply(screen, s);
    expect(screen.slice(0, 3)).toEqual(['a', 'B', '']);
    expect(written[1]).toContain('\u001b[31mB\u001b[39m');
    expect(written[1]).toContain('\u001b[3;1H\u001b[2K');
  });

  it('anything else that moves the cursor passes through and makes the next frame whole', () => {
    const written: string[] = [];
    const w = createFrameDiffWriter((s) => (written.push(s), true));
    w.write('a\nb\n');
    w.write('\u001b[2J\u001b[H');
    w.write(erase(3) + 'a\nc\n');
    expect(written).toEqual(['a\nb\n', '\u001b[2J\u001b[H', erase(3) + 'a\nc\n']);
  });
});
