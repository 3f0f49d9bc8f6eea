import fs from 'node:fs';
import path from 'node:path';
import type { AgentSpec, TranscriptObs } from '../domain/types.js';
import { transcriptAdapterFor, type TranscriptAdapter } from '../runtimes/index.js';
import type { Env } from '../runtimes/types.js';
import { createDirWatch, type FileEvent } from './dir-watch.js';

/**
 * Watches ONLY the transcript directories of roster agents (fs.watch, src/watch/dir-watch.ts), never a whole home.
 * - A directory that does not exist yet: its nearest existing ancestor is watched (depth 0) until it appears.
 * - Hot path: a changed file is re-stat'ed (mtime); turn markers come from the adapter's bounded tail read.
 * - A new session file (a reset), a deleted file or a re-created dir: one full adapter scan of that agent.
 * - Per-agent debounce (default 75 ms) and one update in flight per agent: bursts never make a busy loop.
 * - A slow background rescan (one agent at a time) repairs anything an event missed. Most of its visits are a
 *   quick check — a few synchronous stats (the watched dirs, the session file) against what they were after
 *   the last full scan — and scan only on a difference; every fifth pass scans every agent fully (a file deep
 *   in a nested dir does not move its parent's mtime). An idle fleet then costs a few stats a second instead
 *   of a dozen thread-pool round trips per agent.
 */

/** Agent updates (scans, tail reads) running at once. */
export const MAX_PARALLEL = 16;

export interface TranscriptWatcherOptions {
  onChange(name: string, obs: TranscriptObs): void;
  debounceMs?: number;
  /** Full rescan period per agent (ms), spread over the agents; 0 disables. Default 3 min: file events are the primary path, the rescan only repairs a missed one. */
  rescanMs?: number;
  /** Environment the agents' own env overlays (tests pass a private one). */
  baseEnv?: NodeJS.ProcessEnv;
  /** false: no file-system events at all, only the rescan sees changes (tests of the rescan). Default true. */
  watch?: boolean;
}

export interface TranscriptWatcher {
  setAgents(specs: readonly AgentSpec[]): void;
  refresh(name: string): Promise<void>;
  stop(): Promise<void>;
}

interface Agent {
  spec: AgentSpec;
  key: string;
  env: Env;
  adapter: TranscriptAdapter;
  dirs: string[];
  obs: TranscriptObs | undefined;
  /** The quick-check signature taken right after the last full scan ('' when none is valid yet). */
  sig: string;
  sessionMtime: number;
  dirty: Set<string>;
  full: boolean;
  timer: NodeJS.Timeout | null;
  running: Promise<void> | null;
  gone: boolean;
}

/** Every how many rescan passes each agent is fully scanned whatever its quick check says. */
export const FULL_RESCAN_EVERY = 5;

/** One path's identity for the quick check, and its mtime (0 when missing). */
const statSig = (p: string): { sig: string; mtime: number } => {
  try {
    const st = fs.statSync(p);
    return { sig: `${st.ino}:${st.size}:${st.mtimeMs}`, mtime: st.mtimeMs };
  } catch (e) {
    return { sig: (e as NodeJS.ErrnoException).code ?? 'error', mtime: 0 };
  }
};

const sameObs = (a: TranscriptObs | undefined, b: TranscriptObs): boolean =>
  !!a && a.lastActivityMs === b.lastActivityMs && a.sessionFile === b.sessionFile && a.resumeRef === b.resumeRef && a.turnOpen === b.turnOpen && a.problem === b.problem;

export function createTranscriptWatcher(opts: TranscriptWatcherOptions): TranscriptWatcher {
  const debounceMs = opts.debounceMs ?? 75;
  const rescanMs = opts.rescanMs ?? 180_000;
  const agents = new Map<string, Agent>();
  let stopped = false;
  let rescanTimer: NodeJS.Timeout | null = null;
  let rescanQueue: string[] = [];
  let rescanPass = 0;
  /** What a full scan would see move: the watched dirs (entries added/removed) and the session file; and the newest mtime. */
  const signature = (a: Agent): { sig: string; mtime: number } => {
    const parts = [...a.dirs, ...(a.obs?.sessionFile ? [a.obs.sessionFile] : [])].map(statSig);
    return { sig: parts.map((p) => p.sig).join('|'), mtime: Math.max(0, ...parts.map((p) => p.mtime)) };
  };

  const dirs = createDirWatch({
    onFile: (p, kind) => onFile(p, kind),
    onRescan: (names) => {
      for (const n of names) markFull(n);
    },
    onError: (e) => onError(e),
  });
  const attach = (a: Agent): void => {
    if (opts.watch !== false) dirs.attach(a.spec.name, a.dirs, a.adapter.watchDepth);
  };
  const detach = (a: Agent): void => {
    if (opts.watch !== false) dirs.detach(a.spec.name, a.dirs);
  };

  const emit = (a: Agent, o: TranscriptObs): void => {
    if (a.gone || stopped) return;
    const changed = !sameObs(a.obs, o);
    a.obs = o;
    if (changed) opts.onChange(a.spec.name, o);
  };

  const schedule = (a: Agent): void => {
    if (a.timer || a.gone || stopped) return;
    a.timer = setTimeout(() => {
      a.timer = null;
      if (a.running) {
        // one update in flight per agent; pick the rest up right after it
        void a.running.then(() => schedule(a));
        return;
      }
      a.running = limit(() => update(a)).finally(() => {
        a.running = null;
      });
    }, debounceMs);
  };

  // At most MAX_PARALLEL agent updates at once: 500 agents starting together do not open 500 scans.
  let active = 0;
  const waiting: (() => void)[] = [];
  const limit = async <T>(fn: () => Promise<T>): Promise<T> => {
    if (active >= MAX_PARALLEL) await new Promise<void>((r) => waiting.push(r));
    active++;
    try {
      return await fn();
    } finally {
      active--;
      waiting.shift()?.();
    }
  };

  const fullScan = async (a: Agent): Promise<void> => {
    // Where the transcripts live can change (a long Claude path whose folder another Claude build created).
    const now = a.adapter.transcriptDirs(a.spec, a.env).map((d) => path.resolve(d));
    if (!a.gone && now.join('\0') !== a.dirs.join('\0')) {
      detach(a);
      a.dirs = now;
      attach(a);
    }
    const started = Date.now();
    const o = await a.adapter.scan(a.spec, a.env).catch((e: unknown) => ({
      lastActivityMs: a.obs?.lastActivityMs ?? null, sessionFile: a.obs?.sessionFile ?? null, resumeRef: a.obs?.resumeRef ?? null,
      turnOpen: undefined, problem: `transcript scan failed: ${(e as Error).message}`,
    }));
    a.sessionMtime = 0;
    if (o.sessionFile) {
      try {
        a.sessionMtime = fs.statSync(o.sessionFile).mtimeMs;
      } catch {
        /* gone meanwhile */
      }
    }
    emit(a, o);
    // The quick-check baseline, taken after the scan: valid only if nothing it covers moved since the scan
    // began (else the next visit scans again, so a write during this scan is never skipped). 20 ms: file
    // times come from the kernel's coarse clock.
    const after = signature(a);
    a.sig = after.mtime < started - 20 ? after.sig : '';
  };

  const update = async (a: Agent): Promise<void> => {
    const files = [...a.dirty];
    const full = a.full || !a.obs;
    a.dirty.clear();
    a.full = false;
    if (full) return fullScan(a);
    const prev = a.obs!;
    let last = prev.lastActivityMs ?? -Infinity;
    let sessionFile = prev.sessionFile;
    let resumeRef = prev.resumeRef;
    let sessionTouched = false;
    let sideTouched = false;
    for (const f of files) {
      let st: fs.Stats;
      try {
        st = await fs.promises.stat(f);
      } catch {
        return fullScan(a); // vanished between event and stat
      }
      last = Math.max(last, st.mtimeMs);
      if (a.adapter.isSession(f)) {
        if (f === sessionFile || st.mtimeMs >= a.sessionMtime) {
          if (f !== sessionFile) resumeRef = a.adapter.sessionRef(f);
          sessionFile = f;
          a.sessionMtime = st.mtimeMs;
          sessionTouched = true;
        }
      } else sideTouched = true;
    }
    let turnOpen = prev.turnOpen;
    if (a.adapter.readTurn && sessionFile && (sessionTouched || sideTouched)) {
      // Side files (subagents) writing: work is going on whatever the main file last said.
      turnOpen = sideTouched && a.adapter.name === 'claude' ? undefined : await a.adapter.readTurn(sessionFile);
    }
    emit(a, { lastActivityMs: Number.isFinite(last) ? last : null, sessionFile, resumeRef, turnOpen, problem: prev.problem });
  };

  const onFile = (p: string, kind: FileEvent): void => {
    if (stopped) return;
    for (const n of dirs.namesOf(p)) {
      const a = agents.get(n);
      if (!a) continue;
      if (kind === 'unlink') {
        markFull(n);
        continue;
      }
      void a.adapter.owns(a.spec, a.env, p).then((mine) => {
        if (!mine || a.gone) return;
        // A new session file (reset / new session) is rare: scan fully, which also re-checks for garbage.
        if (kind === 'add' && a.adapter.isSession(p)) a.full = true;
        a.dirty.add(p);
        schedule(a);
      });
    }
  };

  const markFull = (name: string): void => {
    const a = agents.get(name);
    if (!a) return;
    a.full = true;
    schedule(a);
  };

  const onError = (e: Error): void => {
    // e.g. ENOSPC (inotify watch limit) or EACCES: keep going, show it where doctor and the grid can see it.
    const msg = `transcript watcher: ${e.message}`;
    for (const a of agents.values()) {
      if (a.obs && !a.obs.problem?.includes(msg)) emit(a, { ...a.obs, problem: a.obs.problem ? `${a.obs.problem}; ${msg}` : msg });
    }
  };

  const startRescan = (): void => {
    if (rescanMs <= 0 || rescanTimer || stopped) return;
    const step = (): void => {
      rescanTimer = null;
      if (stopped) return;
      if (rescanQueue.length === 0) {
        rescanQueue = [...agents.keys()];
        rescanPass++;
      }
      const n = rescanQueue.shift();
      const a = n === undefined ? undefined : agents.get(n);
      if (a && !(rescanPass % FULL_RESCAN_EVERY !== 0 && a.obs && !a.full && !a.timer && !a.running && a.sig !== '' && a.sig === signature(a).sig)) markFull(a.spec.name);
      const per = Math.max(50, Math.floor(rescanMs / Math.max(1, agents.size)));
      rescanTimer = setTimeout(step, per);
      rescanTimer.unref?.();
    };
    rescanTimer = setTimeout(step, Math.max(50, Math.floor(rescanMs / Math.max(1, agents.size))));
    rescanTimer.unref?.();
  };

  return {
    setAgents(specs) {
      if (stopped) return;
      const next = new Map(specs.map((s) => [s.name, s]));
      for (const [name, a] of agents) {
        const s = next.get(name);
        if (!s || JSON.stringify(s) !== a.key) {
          a.gone = true;
          if (a.timer) clearTimeout(a.timer);
          detach(a);
          agents.delete(name);
        }
      }
      // One copy of the base environment for all agents: each agent's env is its roster `env:` over it (by
      // prototype; adapters only read keys). A copy per agent was ≈ 60 fresh strings each — 2 MB at 500.
      const base: Env = { ...(opts.baseEnv ?? process.env) }; // not frozen: a frozen key could not be overridden below
      for (const s of specs) {
        if (agents.has(s.name)) continue;
        const adapter = transcriptAdapterFor(s.runtime);
        if (!adapter) continue;
        const env: Env = Object.assign(Object.create(base) as Env, s.env);
        const a: Agent = {
          spec: s, key: JSON.stringify(s), env, adapter, dirs: adapter.transcriptDirs(s, env).map((d) => path.resolve(d)),
          obs: undefined, sig: '', sessionMtime: 0, dirty: new Set(), full: true, timer: null, running: null, gone: false,
        };
        agents.set(s.name, a);
        attach(a);
        schedule(a);
      }
      startRescan();
    },

    async refresh(name) {
      const a = agents.get(name);
      if (!a) return;
      if (a.running) await a.running;
      a.running = limit(() => fullScan(a)).finally(() => {
        a.running = null;
      });
      await a.running;
    },

    async stop() {
      stopped = true;
      if (rescanTimer) clearTimeout(rescanTimer);
      for (const a of agents.values()) {
        a.gone = true;
        if (a.timer) clearTimeout(a.timer);
      }
      await Promise.all([...agents.values()].map((a) => a.running?.catch(() => undefined)));
      await dirs.close();
      agents.clear();
    },
  };
}
