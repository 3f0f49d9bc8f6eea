import fs from 'node:fs';
import path from 'node:path';
import { watch, type FSWatcher } from 'chokidar';

/**
 * chokidar over a set of named directories ("targets"), one chokidar instance per depth, reference-counted.
 * A target that does not exist yet is covered by watching its nearest existing ancestor at depth 0; when a
 * directory appears or vanishes the targets are re-pointed and their names reported, so the owner rescans.
 * Used by the transcript watcher: only the roster agents' transcript directories are ever watched.
 */

export type FileEvent = 'add' | 'change' | 'unlink';

export interface DirWatchOptions {
  /** A file under some target was added, changed or removed. */
  onFile(file: string, kind: FileEvent): void;
  /** These names' directories appeared, vanished or may resolve elsewhere now: rescan them. */
  onRescan(names: ReadonlySet<string>): void;
  onError(e: Error): void;
}

export interface DirWatch {
  attach(name: string, dirs: readonly string[], depth: number): void;
  detach(name: string, dirs: readonly string[]): void;
  /** Names whose target directory contains `file` (within 8 levels). */
  namesOf(file: string): Set<string>;
  close(): Promise<void>;
}

interface Target {
  dir: string;
  depth: number;
  names: Set<string>;
  /** What chokidar watches for it: the dir itself, or its nearest existing ancestor while it is missing. */
  watched: string;
  watchedDepth: number;
}

function nearestExisting(dir: string): string {
  let d = path.dirname(dir);
  for (;;) {
    if (isDir(d)) return d;
    const up = path.dirname(d);
    if (up === d) return d;
    d = up;
  }
}

function isDir(p: string): boolean {
  try {
    return fs.statSync(p).isDirectory();
  } catch {
    return false;
  }
}

export function createDirWatch(o: DirWatchOptions): DirWatch {
  const targets = new Map<string, Target>(); // by dir
  const watchers = new Map<number, FSWatcher>(); // by depth
  const refs = new Map<string, number>(); // `${depth}\0${path}` → count
  let closed = false;

  const watcherFor = (depth: number): FSWatcher => {
    let w = watchers.get(depth);
    if (w) return w;
    w = watch([], { depth, ignoreInitial: true, persistent: true, ignorePermissionErrors: true });
    w.on('add', (p) => onEvent(p, 'add'));
    w.on('change', (p) => onEvent(p, 'change'));
    w.on('unlink', (p) => onEvent(p, 'unlink'));
    w.on('addDir', (p) => onEvent(p, 'addDir'));
    w.on('unlinkDir', (p) => onEvent(p, 'unlinkDir'));
    w.on('error', (e) => o.onError(e as Error));
    watchers.set(depth, w);
    return w;
  };

  const addWatch = (p: string, depth: number): void => {
    const k = `${depth}\0${p}`;
    const n = refs.get(k) ?? 0;
    refs.set(k, n + 1);
    if (n === 0) watcherFor(depth).add(p);
  };
  const dropWatch = (p: string, depth: number): void => {
    const k = `${depth}\0${p}`;
    const n = refs.get(k) ?? 0;
    if (n <= 1) {
      refs.delete(k);
      watchers.get(depth)?.unwatch(p);
    } else refs.set(k, n - 1);
  };

  /** Points a target at its dir when it exists, else at the nearest existing ancestor. True if it changed. */
  const resolve = (t: Target): boolean => {
    const exists = isDir(t.dir);
    const watched = exists ? t.dir : nearestExisting(t.dir);
    const depth = exists ? t.depth : 0;
    if (watched === t.watched && depth === t.watchedDepth) return false;
    if (t.watched) dropWatch(t.watched, t.watchedDepth);
    t.watched = watched;
    t.watchedDepth = depth;
    addWatch(watched, depth);
    return true;
  };

  const onEvent = (p: string, kind: FileEvent | 'addDir' | 'unlinkDir'): void => {
    if (closed) return;
    if (kind === 'addDir' || kind === 'unlinkDir' || kind === 'add') {
      const rescan = new Set<string>();
      for (const t of targets.values()) {
        if (t.watched === t.dir && kind !== 'unlinkDir') continue;
        // still missing after a new dir appeared: rescan anyway (the dir may resolve elsewhere now)
        if (resolve(t) || (kind === 'addDir' && t.watched !== t.dir)) for (const n of t.names) rescan.add(n);
      }
      if (rescan.size > 0) o.onRescan(rescan);
    }
    if (kind !== 'addDir' && kind !== 'unlinkDir') o.onFile(p, kind);
  };

  return {
    attach(name, dirs, depth) {
      for (const dir of dirs) {
        let t = targets.get(dir);
        if (!t) {
          t = { dir, depth, names: new Set(), watched: '', watchedDepth: 0 };
          targets.set(dir, t);
          resolve(t);
        }
        t.names.add(name);
      }
    },
    detach(name, dirs) {
      for (const dir of dirs) {
        const t = targets.get(dir);
        if (!t) continue;
        t.names.delete(name);
        if (t.names.size === 0) {
          dropWatch(t.watched, t.watchedDepth);
          targets.delete(dir);
        }
      }
    },
    namesOf(file) {
      const out = new Set<string>();
      let d = path.dirname(file);
      for (let i = 0; i < 8; i++) {
        const t = targets.get(d);
        if (t) for (const n of t.names) out.add(n);
        const up = path.dirname(d);
        if (up === d) break;
        d = up;
      }
      return out;
    },
    async close() {
      closed = true;
      await Promise.all([...watchers.values()].map((w) => w.close()));
      watchers.clear();
      targets.clear();
      refs.clear();
    },
  };
}
