import fs from 'node:fs';
import path from 'node:path';

/**
 * fs.watch (inotify) over a set of named directories ("targets"), each down to a depth, reference-counted.
 * A target that does not exist yet is covered by watching its nearest existing ancestor at depth 0; when a
 * directory appears or vanishes the targets are re-pointed and their names reported, so the owner rescans.
 * Used by the transcript watcher: only the roster agents' transcript directories are ever watched.
 *
 * Why not chokidar (used for the roster and the state dir): on every event inside a watched directory it
 * re-reads that directory and stats its entries, so 50 agents appending to transcripts made it most of
 * fleet's busy CPU. Here an append is one inotify event and no system call; only a create, delete or move
 * (`rename`) costs one lstat, and only a new directory is read.
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
  /** What is watched for it: the dir itself, or its nearest existing ancestor while it is missing. */
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

type RawEvent = FileEvent | 'addDir' | 'unlinkDir';

/**
 * One directory tree watched down to `depth` levels below its root: one fs.watch per directory. A directory
 * that appears inside is watched at once and then read, so a file created in it before its watch existed is
 * still reported (as `add`); one that vanishes takes its subtree's watches with it.
 */
class Tree {
  /** Watched directories → their level below the root (0 = the root). */
  readonly #dirs = new Map<string, { level: number; w: fs.FSWatcher }>();

  constructor(
    readonly root: string,
    readonly depth: number,
    private readonly emit: (p: string, kind: RawEvent) => void,
    private readonly onError: (e: Error) => void,
  ) {
    this.#watchDir(root, 0, false);
  }

  #watchDir(dir: string, level: number, announce: boolean): void {
    if (this.#dirs.has(dir)) return;
    let w: fs.FSWatcher;
    try {
      w = fs.watch(dir, { persistent: true }, (type, name) => this.#onRaw(dir, type, name));
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (code !== 'ENOENT' && code !== 'ENOTDIR') this.onError(e as Error); // ENOSPC (inotify limit), EACCES…
      return;
    }
    w.on('error', (e) => {
      this.#drop(dir);
      if ((e as NodeJS.ErrnoException).code !== 'ENOENT') this.onError(e);
      this.emit(dir, 'unlinkDir');
    });
    this.#dirs.set(dir, { level, w });
    if (!announce && level >= this.depth) return;
    // Read it once its watch is in place: what it already holds is reported when it is new (announce),
    // and its subdirectories are watched down to the depth.
    let entries: fs.Dirent[];
    try {
      entries = fs.readdirSync(dir, { withFileTypes: true });
    } catch {
      return;
    }
    for (const e of entries) {
      const p = path.join(dir, e.name);
      if (e.isDirectory()) {
        if (announce) this.emit(p, 'addDir');
        if (level < this.depth) this.#watchDir(p, level + 1, announce);
      } else if (announce) this.emit(p, 'add');
    }
  }

  #onRaw(dir: string, type: string, name: string | Buffer | null): void {
    const at = this.#dirs.get(dir);
    if (!at) return; // already dropped
    if (name === null || name === undefined) {
      // The kernel did not say which entry: treat the directory as changed wholesale.
      this.emit(dir, 'addDir');
      return;
    }
    const p = path.join(dir, String(name));
    if (type === 'change') {
      if (!this.#dirs.has(p)) this.emit(p, 'change');
      return;
    }
    // 'rename': created, deleted or moved, in or out — one lstat tells which.
    let st: fs.Stats | null;
    try {
      st = fs.lstatSync(p);
    } catch {
      st = null;
    }
    if (!isDir(dir)) {
      // This directory itself went away (its own delete/move comes as a rename of itself).
      this.#drop(dir);
      this.emit(dir, 'unlinkDir');
      return;
    }
    if (st?.isDirectory()) {
      if (this.#dirs.has(p)) return; // a dir we already watch (the event is about itself)
      this.emit(p, 'addDir');
      if (at.level < this.depth) this.#watchDir(p, at.level + 1, true);
    } else if (st) this.emit(p, 'add');
    else if (this.#dirs.has(p)) {
      this.#drop(p);
      this.emit(p, 'unlinkDir');
    } else this.emit(p, 'unlink');
  }

  /** Stops watching `dir` and everything below it. */
  #drop(dir: string): void {
    const prefix = dir + path.sep;
    for (const [d, { w }] of this.#dirs) {
      if (d === dir || d.startsWith(prefix)) {
        w.close();
        this.#dirs.delete(d);
      }
    }
  }

  close(): void {
    for (const { w } of this.#dirs.values()) w.close();
    this.#dirs.clear();
  }
}

export function createDirWatch(o: DirWatchOptions): DirWatch {
  const targets = new Map<string, Target>(); // by dir
  const trees = new Map<string, { tree: Tree; refs: number }>(); // `${depth}\0${path}`
  let closed = false;

  const addWatch = (p: string, depth: number): void => {
    const k = `${depth}\0${p}`;
    const t = trees.get(k);
    if (t) t.refs++;
    else trees.set(k, { tree: new Tree(p, depth, (f, kind) => onEvent(f, kind), o.onError), refs: 1 });
  };
  const dropWatch = (p: string, depth: number): void => {
    const k = `${depth}\0${p}`;
    const t = trees.get(k);
    if (!t) return;
    if (--t.refs <= 0) {
      t.tree.close();
      trees.delete(k);
    }
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

  const onEvent = (p: string, kind: RawEvent): void => {
    if (closed) return;
    if (kind === 'addDir' || kind === 'unlinkDir' || kind === 'add') {
      const rescan = new Set<string>();
      for (const t of targets.values()) {
        if (t.watched === t.dir && kind !== 'unlinkDir') continue;
        // still missing after a new dir appeared: rescan anyway (the dir may resolve elsewhere now)
        if (resolve(t) || (kind === 'addDir' && t.watched !== t.dir)) for (const n of t.names) rescan.add(n);
      }
      if (kind === 'unlinkDir') for (const n of namesOf(p)) rescan.add(n);
      if (rescan.size > 0) o.onRescan(rescan);
    }
    if (kind !== 'addDir' && kind !== 'unlinkDir') o.onFile(p, kind);
  };

  const namesOf = (file: string): Set<string> => {
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
    namesOf,
    async close() {
      closed = true;
      for (const t of trees.values()) t.tree.close();
      trees.clear();
      targets.clear();
    },
  };
}
