/**
 * The composition root of `fleet top` — the only React/Ink file under src/. It wires the store, the
 * watchers, the supervisor and the actions, owns the terminal (alternate screen, raw mode, restore on
 * every exit path) and suspends the UI while the operator is attached to an agent.
 */
// First: yoga-layout must not see `fetch` while it loads (start-up time; see the module).
import { restoreFetch } from './no-fetch.js';
import os from 'node:os';
import { spawnSync } from 'node:child_process';
import React from 'react';
import { render, type Instance } from 'ink';
// Ink's frame builder, not exported by the package: the same module instance Ink's renderer uses.
import InkOutput from '../../node_modules/ink/build/output.js';
import { App } from '../../components/App.js';
import { createActions, type Actions, type AgentOps } from '../actions.js';
import { ConfigError } from '../domain/errors.js';
import { sanitize } from '../domain/sanitize.js';
import { createSupervisor, prepareAttach, type Supervisor } from '../lifecycle/index.js';
import { updateWakeRecord } from '../state/files.js';
import type { GlobalOptions } from '../state/paths.js';
import { createFleetStore, initialState, type FleetStore } from '../store/index.js';
import { broadcast } from '../delivery/broadcast.js';
import { createFleetWatcher, type FleetWatcher, type FleetWatcherOptions } from '../watch/fleet-watcher.js';
import { createScreenChecker } from '../watch/screens.js';
import { createTranscriptWatcher } from '../watch/transcripts.js';
import { TmuxClient } from '../tmux/client.js';
import { ControlClient } from '../tmux/control.js';
import { installCachedOutput, type InkOutputLike } from './fast-output.js';
import { frameDiffStdout } from './frame-writer.js';
import { realOps } from './ops.js';
import { createTerminal, exitCodeFor, installExitHandlers, type ExitReason, type Terminal } from './terminal.js';
import { startupMark, startupMarks } from '../domain/startup-marks.js';
import { prepareCockpit, type PreparedCockpit } from './load.js';

export interface CockpitOptions {
  globals: GlobalOptions;
  readOnly?: boolean;
  /** Extra environment (the demo's CLAUDE_CONFIG_DIR…), applied before anything starts. */
  env?: Record<string, string>;
  /**
   * The context and first observation, already started by the caller before this chunk loaded (src/cockpit/
   * load.ts `prepareCockpit`): tmux answers the first list-panes while React and Ink compile.
   */
  prepared?: PreparedCockpit;
}

const TOAST_TTL_MS = 6000;
const SUPERVISE_EVERY_MS = 10_000;
/** With a control connection, list-panes runs this often only as a reconcile (events drive the rest). */
const RECONCILE_MS = 30_000;

export interface MountedApp {
  store: FleetStore;
  actions: Actions;
  element: React.ReactElement;
}

restoreFetch();
// Unchanged lines of a frame are not rebuilt cell by cell (src/cockpit/fast-output.ts).
installCachedOutput(InkOutput as unknown as { prototype: InkOutputLike });

/** Builds the App element over a store and ops (used by runCockpit, the bench hooks and tests). */
export function buildApp(store: FleetStore, ops: AgentOps, clock: () => number = Date.now): MountedApp {
  const actions = createActions(store, ops, clock);
  return { store, actions, element: <App store={store} actions={actions} /> };
}

export interface BenchStreams {
  stdout: NodeJS.WriteStream;
  stdin: NodeJS.ReadStream;
}

/**
 * Mounts the App with Ink on given (fake) streams exactly as `fleet top` does (same render options),
 * for the benchmark's key → frame timing. Returns the unmount function.
 */
export function mountForBench(app: MountedApp, streams: BenchStreams, onRender?: () => void): () => void {
  const inst = render(app.element, {
    stdout: frameDiffStdout(streams.stdout),
    stdin: streams.stdin,
    exitOnCtrlC: false,
    patchConsole: false,
    maxFps: 60,
    incrementalRendering: false,
    ...(onRender ? { onRender } : {}),
  });
  return () => inst.unmount();
}

/** `fleet top`: runs until q / Ctrl-C / a signal; returns the exit code. Configuration errors throw before the screen changes. */
export async function runCockpit(opts: CockpitOptions): Promise<number> {
  if (opts.env) Object.assign(process.env, opts.env);
  startupMark('cockpit loaded');
  const { ctx, firstObs } = opts.prepared ?? prepareCockpit(opts.globals);
  const stdout = process.stdout;
  const stdin = process.stdin;
  if (!stdout.isTTY || !stdin.isTTY) {
    throw new ConfigError('fleet top needs a terminal (stdin and stdout must be a tty); for scripts use `fleet ls --json`');
  }
  const readOnly = opts.readOnly ?? false;
  const size = (): { cols: number; rows: number } => ({ cols: stdout.columns || 80, rows: Math.max(5, (stdout.rows || 24) - 1) });
  const store = createFleetStore(initialState({ socket: ctx.socket, home: os.homedir(), readOnly, now: Date.now(), ...size() }));
  const term: Terminal = createTerminal(stdout, stdin);
  let instance: Instance | null = null;
  let finish: (r: ExitReason) => void = () => undefined;
  const done = new Promise<ExitReason>((r) => (finish = r));
  let attaching = false;
  let firstFrame = process.env.FLEET_BENCH_FIRST_FRAME === '1';
  let codeCacheSaveScheduled = false;

  let watcher: FleetWatcher | null = null;
  const toast = (level: 'info' | 'error', text: string): void => store.dispatch({ type: 'toast', level, text, now: Date.now() });

  async function attach(name: string): Promise<void> {
    if (attaching) return;
    attaching = true;
    try {
      toast('info', `attaching to ${name}… (detach with the tmux prefix, then d)`);
      const plan = await prepareAttach(ctx, name);
      const [bin = 'tmux', ...args] = plan.argv;
      instance?.unmount();
      instance = null;
      term.restore();
      stdin.pause();
      try {
        // Synchronously, on purpose: while tmux owns the terminal, this process must not read the tty
        // at all (a paused Node stdin still reads ahead and would steal the operator's keys, e.g. the
        // detach chord). Watchers and timers simply wait; the store catches up on return.
        const r = spawnSync(bin, args, { stdio: 'inherit', env: plan.env });
        if (r.error) throw r.error;
        if (r.status !== 0) toast('error', `attach ${name}: tmux exited with status ${r.status ?? r.signal ?? '?'}`);
      } finally {
        try {
          updateWakeRecord(ctx.paths, name, { attachedAt: Date.now() });
        } catch {
          /* best effort: the grace period only */
        }
        term.enter();
        mount();
      }
    } finally {
      attaching = false;
    }
  }

  const ops = realOps({
    ctx,
    store,
    attach,
    // The ledger-backed broadcast: exactly the confirmed names, each result as it lands.
    broadcast: async ({ names, text, onResult }) => {
      const r = await broadcast(ctx, { selector: names, text, onResult });
      return { runId: r.runId === null ? undefined : `run ${r.runId}` };
    },
    quit: () => finish({ kind: 'quit' }),
    changed: () => {
      watcher?.refreshFiles();
      void watcher?.pollNow();
    },
  });
  const app = buildApp(store, ops);

  function mount(): void {
    const inst = render(app.element, {
      // Only changed lines reach the terminal (a fresh differ per mount: each mount starts at home).
      stdout: frameDiffStdout(stdout),
      stdin,
      exitOnCtrlC: false,
      patchConsole: false,
      maxFps: 60,
      incrementalRendering: false,
      onRender: () => {
        if (!codeCacheSaveScheduled) {
          // bin/fleet.js saves V8's compiled code once per build; a moment after the first frame it holds
          // everything drawing the cockpit compiled (docs/BENCH.md "Start-up").
          codeCacheSaveScheduled = true;
          setTimeout(() => (globalThis as { __fleetSaveCodeCache?: () => void }).__fleetSaveCodeCache?.(), 2000).unref();
        }
        if (firstFrame) {
          firstFrame = false;
          const cpu = process.cpuUsage(); // all of this process's threads: work, as opposed to waiting
          process.stderr.write(`fleet: first frame after ${Math.round(process.uptime() * 1000)} ms (${startupMarks()} · cpu ${Math.round((cpu.user + cpu.system) / 1000)})\n`);
        }
      },
    });
    instance = inst;
    // A render error unmounts Ink: treat it like an uncaught error (restore the terminal, exit 1).
    inst.waitUntilExit().catch((e: unknown) => finish({ kind: 'error', error: e }));
  }

  // tmux source (docs/BENCH.md): a control-mode connection — no process per tick, session/activity
  // events instead of a 1 Hz poll, list-panes every 30 s as reconcile (events carry sessions appearing and
  // vanishing, panes printing, dying and respawning; the reconcile only catches a foreground command that
  // changed without printing). FLEET_TMUX_SOURCE=poll: one spawned list-panes per second instead.
  const control = process.env.FLEET_TMUX_SOURCE === 'poll' ? null : new ControlClient(ctx.socket, { fallback: ctx.tmux.runner });
  const viaControl = control ? new TmuxClient(ctx.socket, control) : ctx.tmux;
  const watcherOpts: FleetWatcherOptions = {
    sink: store,
    tmux: control ? { observe: (t) => control.observe(t), capturePane: (n, h) => viaControl.capturePane(n, h) } : ctx.tmux,
    // While the connection is down no event comes: poll every second until it is back.
    ...(control ? { events: control, pollMs: () => (control.connected ? RECONCILE_MS : 1000) } : {}),
    paths: ctx.paths,
    rosterPath: ctx.rosterPath,
    roster: ctx.roster,
    onRoster: (r) => {
      ctx.roster = r;
    },
    transcripts: (o) => createTranscriptWatcher(o),
    // waiting-for-input: captures only panes whose activity moved, of runtimes that show such prompts
    screens: createScreenChecker(viaControl),
    previewTarget: () => {
      const s = store.getState();
      return s.ui.preview ? s.ui.selected : null;
    },
  };
  watcher = createFleetWatcher(watcherOpts);

  // The cockpit supervises when it holds the guard (a read-only cockpit never does), else it is a viewer.
  const w = watcher;
  const supervisor: Supervisor | null = readOnly
    ? null
    : createSupervisor(ctx, {
        what: 'fleet top',
        // Plan from what the watcher already holds (no list-panes, no file reads per tick); a plan
        // that would act is redone from a fresh observation (src/lifecycle/supervise.ts).
        // With a control connection the last observation is current however old: every session change,
        // death, respawn or output re-lists at once, so only the reconcile period bounds its age.
        observation: (now) => {
          const o = w.lastObservation();
          const fresh = control?.connected ? RECONCILE_MS + SUPERVISE_EVERY_MS : SUPERVISE_EVERY_MS;
          return o && now - o.at < fresh ? o : null;
        },
        files: () => w.agentFiles(),
        transcripts: (name) => store.getState().obs.transcripts.get(name),
      });
  const superviseTick = async (): Promise<void> => {
    if (!supervisor || attaching) return;
    try {
      const rep = await supervisor.tick(Date.now());
      store.dispatch({ type: 'role', role: rep.supervisor ? 'supervisor' : 'viewer' });
      for (const a of rep.actions) {
        if (a.result === 'failed') toast('error', `supervise ${a.action} ${a.name}: ${a.error ?? 'failed'}`);
        else if (a.result === 'done') toast('info', `supervise: ${a.action} ${a.name} (${a.reason})`);
      }
    } catch (e) {
      toast('error', `supervise: ${(e as Error).message}`);
    }
  };

  const timers: ReturnType<typeof setInterval>[] = [];
  let resizeTimer: ReturnType<typeof setTimeout> | null = null;
  const onResize = (): void => {
    if (resizeTimer) clearTimeout(resizeTimer);
    resizeTimer = setTimeout(() => {
      if (attaching || !instance) return;
      // Re-layout from a clean screen: no half-wrapped lines from the old width survive.
      instance.unmount();
      stdout.write('\u001b[2J\u001b[H');
      store.dispatch({ type: 'resize', ...size() });
      mount();
    }, 60);
  };

  // The preview follows the selection at once, not at the next tmux poll.
  const unsubscribePreview = store.api.subscribe((st, prev) => {
    if (st.ui.preview && (st.ui.preview !== prev.ui.preview || st.ui.selected !== prev.ui.selected)) watcher?.refreshPreview();
  });

  // Errors never crash the cockpit: a rejected background promise becomes a toast; an uncaught
  // exception still ends it, through the terminal restore.
  const uninstall = installExitHandlers(
    process,
    (r) => finish(r),
    (e) => toast('error', `internal error: ${sanitize(e instanceof Error ? e.message : String(e), { singleLine: true, max: 200 })}`),
  );
  // First frame first: roster rows + one observation; then everything slow (the control connection,
  // chokidar, 500 transcript scans, the supervisor) starts behind it.
  const obs0 = await firstObs;
  startupMark(obs0 ? 'observed' : 'observation late');
  store.dispatch({ type: 'roster', roster: ctx.roster }, ...(obs0 ? [{ type: 'tmux' as const, obs: obs0 }] : []));
  term.enter();
  mount();
  if (control) void control.connect();
  try {
    watcher.start();
  } catch (e) {
    // The screen is already ours: leave through the same restore and clean-up as any other error,
    // never with the terminal in the alternate screen and the watchers still running.
    finish({ kind: 'error', error: e });
  }
  stdout.on('resize', onResize);
  // Only with toasts on screen: an idle cockpit dispatches nothing.
  timers.push(setInterval(() => {
    if (store.getState().ui.toasts.length > 0) store.dispatch({ type: 'toast-expire', now: Date.now(), ttlMs: TOAST_TTL_MS });
  }, 1000));
  if (supervisor) {
    // not on the start-up path: the first pass waits until the grid is up and the watcher has observed
    const first = setTimeout(() => void superviseTick(), 1000);
    timers.push(first as unknown as ReturnType<typeof setInterval>);
    timers.push(setInterval(() => void superviseTick(), SUPERVISE_EVERY_MS));
  }

  const reason = await done;
  for (const t of timers) clearInterval(t);
  if (resizeTimer) clearTimeout(resizeTimer);
  stdout.off('resize', onResize);
  unsubscribePreview();
  try {
    (instance as Instance | null)?.unmount();
  } catch {
    /* restoring the terminal matters more */
  }
  instance = null;
  term.restore();
  uninstall();
  supervisor?.release();
  store.dispose();
  await watcher.stop().catch(() => undefined);
  await control?.close().catch(() => undefined);
  if (reason.kind === 'error') {
    const e = reason.error;
    process.stderr.write(`fleet top: ${sanitize(e instanceof Error ? (e.stack ?? e.message) : String(e))}\n`);
  }
  stdin.pause();
  return exitCodeFor(reason);
}
