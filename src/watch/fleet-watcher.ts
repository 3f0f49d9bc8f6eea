/**
 * The cockpit's data side: the tmux poller, the transcript watcher, the screen checker, the state-dir
 * and roster watchers, and the clock — all turned into typed events pushed to the store, which applies
 * them in one batched setState. Started by the composition root, never from a React effect.
 */
import fs from 'node:fs';
import path from 'node:path';
import { watch, type FSWatcher } from 'chokidar';
import type { AgentFiles, AgentSpec, Roster, ScreenObs, TmuxObservation, TranscriptObs } from '../domain/types.js';
import { readAgentFiles } from '../state/files.js';
import type { StatePaths } from '../state/paths.js';
import { loadRoster } from '../state/roster-file.js';
import type { DataEvent } from '../store/events.js';
import { scanTranscript } from './snapshot.js';
import { createTmuxPoller, type TmuxPoller } from './tmux-poller.js';

/** Task R's transcript watcher (src/watch/transcripts.ts), structurally. */
export interface TranscriptWatcherLike {
  setAgents(specs: readonly AgentSpec[]): void;
  refresh(name: string): Promise<void>;
  stop(): Promise<void>;
}
export type TranscriptWatcherFactory = (opts: { onChange(name: string, obs: TranscriptObs): void; debounceMs?: number }) => TranscriptWatcherLike;

/** Task R's screen checker (src/watch/screens.ts), structurally. */
export interface ScreenCheckerLike {
  check(obs: TmuxObservation, specs: readonly AgentSpec[], now: number): Promise<Map<string, ScreenObs>>;
}

export interface WatcherTmux {
  observe(now?: number): Promise<TmuxObservation>;
  capturePane(name: string, history?: number): Promise<string>;
}

export interface FleetWatcherOptions {
  sink: { push(e: DataEvent): void };
  tmux: WatcherTmux;
  paths: StatePaths;
  rosterPath: string;
  roster: Roster;
  /** A good roster edit arrived (the root updates its context). */
  onRoster?: (r: Roster) => void;
  transcripts?: TranscriptWatcherFactory;
  screens?: ScreenCheckerLike;
  /** The agent whose pane the preview shows, or null when the preview is closed. */
  previewTarget?: () => string | null;
  /** list-panes interval; a function is read before every wait (the cockpit: slow while control mode is connected). */
  pollMs?: number | (() => number);
  /**
   * Push events from a tmux control-mode connection (src/tmux/control.ts): each one triggers a poll
   * (debounced), so sessions appearing, dying or printing show at once while `pollMs` becomes a slow reconcile.
   */
  events?: { onEvent(cb: (e: { kind: string }) => void): () => void };
  eventDebounceMs?: number;
  clockMs?: number;
  /** Without a transcript watcher: rescan every agent's transcripts this often. */
  scanMs?: number;
  /** Watch the roster and state dir with chokidar (off in unit tests that drive refreshes by hand). */
  watchFiles?: boolean;
  now?: () => number;
}

export interface FleetWatcher {
  start(): void;
  stop(): Promise<void>;
  /** One immediate tmux poll (after an action, so the grid does not wait for the next tick). */
  pollNow(): Promise<void>;
  /** Re-reads every agent's state files. */
  refreshFiles(): void;
  reloadRoster(): void;
  /** The preview target changed (opened, or another row selected): capture it now from the last observation. */
  refreshPreview(): void;
  /** The newest tmux observation (null before the first) — the supervisor plans from it. */
  lastObservation(): TmuxObservation | null;
  /** The agents' state files as last read (kept current by chokidar and a slow full re-read). */
  agentFiles(): ReadonlyMap<string, AgentFiles>;
  readonly poller: TmuxPoller;
}

export function createFleetWatcher(o: FleetWatcherOptions): FleetWatcher {
  const now = o.now ?? Date.now;
  let roster = o.roster;
  let files = new Map<string, AgentFiles>();
  const closers: (() => Promise<void> | void)[] = [];
  let lastPreview: { name: string; activity: number; at: number } | null = null;
  let screenBusy = false;
  let stopped = false;

  const push = (e: DataEvent): void => {
    if (!stopped) o.sink.push(e);
  };

  let lastObs: TmuxObservation | null = null;
  const onObservation = (obs: TmuxObservation): void => {
    lastObs = obs;
    push({ type: 'tmux', obs });
    if (obs.server !== 'up') return;
    if (o.screens && !screenBusy) {
      screenBusy = true;
      o.screens
        .check(obs, roster.agents, now())
        .then((screens) => push({ type: 'screens', screens }))
        .catch(() => undefined)
        .finally(() => (screenBusy = false));
    }
    const target = o.previewTarget?.() ?? null;
    if (target) void capturePreview(target, obs);
    else lastPreview = null;
  };

  async function capturePreview(name: string, obs: TmuxObservation & { server: 'up' }): Promise<void> {
    const pane = obs.panes.get(name);
    if (!pane) {
      push({ type: 'preview', name, text: null });
      lastPreview = null;
      return;
    }
    // Capture only when the pane moved, the target changed, or every few seconds (tmux activity is 1 s coarse).
    const t = now();
    if (lastPreview && lastPreview.name === name && lastPreview.activity === pane.activityMs && t - lastPreview.at < 3000) return;
    lastPreview = { name, activity: pane.activityMs, at: t };
    try {
      push({ type: 'preview', name, text: await o.tmux.capturePane(name) });
    } catch (e) {
      push({ type: 'preview', name, text: `(capture failed: ${(e as Error).message})` });
    }
  }

  const poller = createTmuxPoller({ observe: (t) => o.tmux.observe(t), onObservation, intervalMs: o.pollMs ?? 1000, now });

  function refreshFiles(): void {
    const next = new Map<string, AgentFiles>();
    for (const spec of roster.agents) next.set(spec.name, readAgentFiles(o.paths, spec.name));
    files = next;
    push({ type: 'files', files: next });
  }

  function refreshAgentFiles(name: string): void {
    if (!roster.agents.some((a) => a.name === name)) return;
    const next = new Map(files);
    next.set(name, readAgentFiles(o.paths, name));
    files = next;
    push({ type: 'files', files: next });
  }

  let transcriptWatcher: TranscriptWatcherLike | null = null;
  async function scanAll(): Promise<void> {
    await Promise.all(
      roster.agents.map(async (spec) => {
        try {
          const t = await scanTranscript(spec);
          if (t) push({ type: 'transcript', name: spec.name, obs: t });
        } catch {
          /* an unreadable transcript dir shows as no activity */
        }
      }),
    );
  }

  /** The roster file's identity as last read: a watcher event missed (say, during start-up) is caught by comparing it. */
  const rosterSig = (): string => {
    try {
      const st = fs.statSync(o.rosterPath);
      return `${st.ino}:${st.size}:${st.mtimeMs}`;
    } catch {
      return 'missing';
    }
  };
  let lastRosterSig = rosterSig();
  function reloadRosterIfChanged(): void {
    if (!stopped && rosterSig() !== lastRosterSig) reloadRoster();
  }

  function reloadRoster(): void {
    lastRosterSig = rosterSig();
    let next: Roster;
    try {
      next = loadRoster(o.rosterPath);
    } catch (e) {
      push({ type: 'roster-error', message: (e as Error).message });
      return;
    }
    roster = next;
    o.onRoster?.(next);
    push({ type: 'roster', roster: next });
    transcriptWatcher?.setAgents(next.agents);
    refreshFiles();
  }

  function every(ms: number, fn: () => void): void {
    const t = setInterval(fn, ms);
    t.unref?.();
    closers.push(() => clearInterval(t));
  }

  return {
    poller,
    pollNow: () => poller.pollNow(),
    refreshFiles,
    lastObservation: () => lastObs,
    agentFiles: () => files,
    refreshPreview() {
      const target = o.previewTarget?.() ?? null;
      if (!target) {
        lastPreview = null;
        return;
      }
      if (lastObs?.server !== 'up') return;
      if (lastPreview?.name !== target) lastPreview = null;
      void capturePreview(target, lastObs);
    },
    reloadRoster,
    start() {
      push({ type: 'roster', roster });
      refreshFiles();
      poller.start();
      closers.push(() => poller.stop());
      if (o.events) {
        let pending: ReturnType<typeof setTimeout> | null = null;
        const schedule = (): void => {
          if (pending || stopped) return;
          pending = setTimeout(() => {
            pending = null;
            const skipped = poller.skipped;
            // A poll already in flight may have listed before the event: poll again right after it.
            void poller.pollNow().then(() => {
              if (poller.skipped > skipped) setTimeout(schedule, o.eventDebounceMs ?? 30).unref?.();
            });
          }, o.eventDebounceMs ?? 30);
        };
        const off = o.events.onEvent(schedule);
        closers.push(() => {
          off();
          if (pending) clearTimeout(pending);
        });
      }
      if (o.transcripts) {
        transcriptWatcher = o.transcripts({ onChange: (name, obs) => push({ type: 'transcript', name, obs }) });
        transcriptWatcher.setAgents(roster.agents);
        const tw = transcriptWatcher;
        closers.push(() => tw.stop());
      } else {
        void scanAll();
        every(o.scanMs ?? 2000, () => void scanAll());
      }
      every(o.clockMs ?? 5000, () => push({ type: 'tick', now: now() }));
      if (o.watchFiles !== false) {
        const fw: FSWatcher = watch(o.paths.agentsDir, { ignoreInitial: true, depth: 0 });
        const onFile = (p: string): void => {
          const m = /^([a-z][a-z0-9-]{0,31})\.(stopped|new|wake\.json)$/.exec(path.basename(p));
          if (m) refreshAgentFiles(m[1]!);
        };
        fw.on('add', onFile).on('change', onFile).on('unlink', onFile).on('error', () => undefined);
        closers.push(() => fw.close());
        const rw: FSWatcher = watch(o.rosterPath, { ignoreInitial: true, awaitWriteFinish: { stabilityThreshold: 150, pollInterval: 50 } });
        rw.on('add', reloadRoster).on('change', reloadRoster).on('unlink', reloadRoster).on('error', () => undefined);
        // An edit between the first read and the watch being in place sends no event: look once it is.
        rw.on('ready', reloadRosterIfChanged);
        closers.push(() => rw.close());
        // chokidar can miss events (editors replacing files, network dirs): a slow full re-read backs it up.
        every(60_000, () => {
          refreshFiles();
          reloadRosterIfChanged();
        });
      }
    },
    async stop() {
      stopped = true;
      for (const c of closers.splice(0).reverse()) await c();
    },
  };
}
