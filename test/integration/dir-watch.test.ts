import fs from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createDirWatch, type DirWatch, type FileEvent } from '../../src/watch/dir-watch.js';
import { tempDir, waitFor } from '../helpers/tmux.js';

/**
 * The transcript directories' watcher (fs.watch / inotify), on real files. Negative checks use a barrier:
 * inotify delivers one process's events in order, so once an event written afterwards has arrived, an
 * earlier one that was going to arrive has too.
 */

let open: DirWatch[] = [];
afterEach(async () => {
  await Promise.all(open.map((w) => w.close()));
  open = [];
});

function start(): { w: DirWatch; files: [string, FileEvent][]; rescans: string[]; errors: Error[]; saw: (p: string, k?: FileEvent) => boolean } {
  const files: [string, FileEvent][] = [];
  const rescans: string[] = [];
  const errors: Error[] = [];
  const w = createDirWatch({
    onFile: (p, k) => files.push([p, k]),
    onRescan: (names) => rescans.push(...names),
    onError: (e) => errors.push(e),
  });
  open.push(w);
  return { w, files, rescans, errors, saw: (p, k) => files.some(([f, kk]) => f === p && (k === undefined || kk === k)) };
}

describe('dir watch (fs.watch over transcript directories)', () => {
  it('an append is one "change"; a new file is "add"; a removed one "unlink" — each named by its full path', async () => {
    const root = tempDir();
    const f = path.join(root, 's.jsonl');
    fs.writeFileSync(f, '{}\n');
    const { w, saw, files } = start();
    w.attach('a1', [root], 0);
    fs.appendFileSync(f, '{}\n');
    await waitFor(() => saw(f, 'change'), { what: 'change' });
    const g = path.join(root, 'new.jsonl');
    fs.writeFileSync(g, '{}\n');
    await waitFor(() => saw(g, 'add'), { what: 'add' });
    fs.unlinkSync(g);
    await waitFor(() => saw(g, 'unlink'), { what: 'unlink' });
    expect(w.namesOf(f)).toEqual(new Set(['a1']));
    expect(files.every(([p]) => p.startsWith(root + path.sep))).toBe(true);
  });

  it('watches down to its depth and no further', async () => {
    const root = tempDir();
    fs.mkdirSync(path.join(root, 'a', 'b'), { recursive: true });
    const { w, saw } = start();
    w.attach('a1', [root], 1);
    const deep = path.join(root, 'a', 'b', 'too-deep.jsonl');
    fs.writeFileSync(deep, '{}\n');
    const barrier = path.join(root, 'a', 'in-depth.jsonl');
    fs.writeFileSync(barrier, '{}\n');
    await waitFor(() => saw(barrier, 'add'), { what: 'a file at depth 1' });
    expect(saw(deep)).toBe(false);
  });

  it('a nested directory made after start (a new day under sessions/YYYY/MM/DD) reports the file written in it at once', async () => {
    const root = tempDir();
    const { w, saw } = start();
    w.attach('c1', [root], 3);
    const day = path.join(root, '2026', '11', '21');
    fs.mkdirSync(day, { recursive: true });
    // Written before the new directories' watches can exist: found when they are read.
    const f = path.join(day, 'rollout.jsonl');
    fs.writeFileSync(f, '{}\n');
    await waitFor(() => saw(f, 'add'), { what: 'the file in the new nested dir' });
    fs.appendFileSync(f, '{}\n');
    await waitFor(() => saw(f, 'change'), { what: 'an append in the new nested dir' });
    expect(w.namesOf(f)).toEqual(new Set(['c1']));
  });

  it('a target that does not exist yet: its appearance asks for a rescan, then its files are watched', async () => {
    const base = tempDir();
    const target = path.join(base, 'projects', 'slug');
    const { w, saw, rescans } = start();
    w.attach('a1', [target], 0);
    fs.mkdirSync(target, { recursive: true });
    await waitFor(() => rescans.includes('a1'), { what: 'rescan on the dir appearing' });
    const f = path.join(target, 's.jsonl');
    await waitFor(
      () => {
        fs.appendFileSync(f, '{}\n');
        return saw(f);
      },
      { what: 'a write in the new dir', intervalMs: 100 },
    );
  });

  it('its directory removed and made again: a rescan each time, and the new directory is watched', async () => {
    const base = tempDir();
    const target = path.join(base, 'slug');
    fs.mkdirSync(target);
    const { w, saw, rescans } = start();
    w.attach('a1', [target], 0);
    fs.rmSync(target, { recursive: true });
    await waitFor(() => rescans.length >= 1, { what: 'rescan on removal' });
    const n = rescans.length;
    fs.mkdirSync(target);
    await waitFor(() => rescans.length > n, { what: 'rescan on re-creation' });
    const f = path.join(target, 's.jsonl');
    await waitFor(
      () => {
        fs.appendFileSync(f, '{}\n');
        return saw(f);
      },
      { what: 'a write in the re-made dir', intervalMs: 100 },
    );
  });

  it('two names on one directory share it; detach of one keeps the other; detach of both and close() end all events', async () => {
    const root = tempDir();
    const other = tempDir();
    const { w, saw } = start();
    w.attach('a1', [root], 0);
    w.attach('a2', [root], 0);
    w.attach('b1', [other], 0);
    w.detach('a1', [root]);
    const f = path.join(root, 'x.jsonl');
    fs.writeFileSync(f, '{}\n');
    await waitFor(() => saw(f), { what: 'event for the remaining name' });
    expect(w.namesOf(f)).toEqual(new Set(['a2']));
    w.detach('a2', [root]);
    const g = path.join(root, 'y.jsonl');
    fs.writeFileSync(g, '{}\n');
    const barrier = path.join(other, 'b.jsonl');
    fs.writeFileSync(barrier, '{}\n');
    await waitFor(() => saw(barrier), { what: 'barrier' });
    expect(saw(g)).toBe(false);
    await w.close();
    const h = path.join(other, 'after-close.jsonl');
    fs.writeFileSync(h, '{}\n');
    // Nothing is left to deliver it; a fresh watcher's event is the barrier.
    const probe = start();
    probe.w.attach('p', [other], 0);
    const b2 = path.join(other, 'b2.jsonl');
    fs.writeFileSync(b2, '{}\n');
    await waitFor(() => probe.saw(b2), { what: 'barrier after close' });
    expect(saw(h)).toBe(false);
  });

  it('bad targets: a path that is a file, and a name with a newline under a missing dir, neither throw nor report errors', async () => {
    const base = tempDir();
    const file = path.join(base, 'not-a-dir');
    fs.writeFileSync(file, 'x');
    const { w, errors, saw } = start();
    expect(() => w.attach('a1', [file], 2)).not.toThrow();
    expect(() => w.attach('a2', [path.join(base, 'no such', '..', 'x\nnewline')], 0)).not.toThrow();
    // While the "dir" is not one, its nearest existing directory is watched instead (as for a missing one).
    fs.appendFileSync(file, 'y');
    await waitFor(() => saw(file) || errors.length > 0, { what: 'an event or an error' });
    expect(errors).toEqual([]);
  });
});
