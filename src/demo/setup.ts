/**
 * `fleet demo`: a private tmux socket, a temporary roster, state dir and CLAUDE_CONFIG_DIR, and a
 * dozen stand-in agents with different behaviours. `cleanup()` removes exactly what setup made: the
 * demo's own tmux server (every session on its private socket), that socket's file, and the temp dir.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { OperationError } from '../domain/errors.js';
import { ensureStateDir, setFlag, writeWakeRecord } from '../state/files.js';
import { TmuxClient } from '../tmux/client.js';
import type { TmuxRunner } from '../tmux/runner.js';
import { DEMO_AGENTS, DEMO_STRAY, demoCommand, demoRosterYaml, demoTasksFile, type DemoAgent } from './agents.js';

export interface DemoOptions {
  /** The stand-in program (default: dist/standin.js next to the running bundle or the repo's dist/). */
  standin?: string;
  /** Parent of the temp dir (default: the OS temp dir). */
  tmpDir?: string;
  /** Which agents (default DEMO_AGENTS). */
  agents?: readonly DemoAgent[];
  /** Also start the `scratch` session the roster does not name (default true). */
  stray?: boolean;
  /** Paste the first tasks and crash `flaky` once the agents show their composer (default true). */
  choreograph?: boolean;
  /** Progress lines (default: none). */
  log?: (line: string) => void;
  runner?: TmuxRunner;
}

export interface Demo {
  globals: { socket: string; roster: string; stateDir: string };
  /** FLEET_SOCKET, FLEET_ROSTER, FLEET_STATE_DIR, CLAUDE_CONFIG_DIR for this demo. */
  env: Record<string, string>;
  /** The temp dir holding roster, state, transcripts and the agents' working dirs. */
  root: string;
  /** Absolute path of the tmux socket file (removed by cleanup). */
  socketPath: string | null;
  agents: readonly DemoAgent[];
  /** Sessions setup started (agents and the stray). */
  started: readonly string[];
  /** Idempotent; never throws. Kills the demo's private server, removes its socket file and temp dir. */
  cleanup(): Promise<void>;
}

/** fleet-demo-<pid>-<random>: two demos at the same time never share a socket. */
export function demoSocketName(pid = process.pid): string {
  return `fleet-demo-${pid}-${randomBytes(4).toString('hex')}`;
}

/** dist/standin.js: beside the bundle (dist/fleet.cjs) or, from the sources, in the repo's dist/. */
export function findStandin(): string {
  const here = path.dirname(fileURLToPath(import.meta.url));
  const candidates = [path.join(here, 'standin.js'), path.resolve(here, '..', '..', 'dist', 'standin.js')];
  for (const c of candidates) if (fs.existsSync(c)) return c;
  throw new OperationError(`the stand-in agent is missing (looked for ${candidates.join(', ')}); run \`npm run build\` first`);
}

export async function setupDemo(opts: DemoOptions = {}): Promise<Demo> {
  const log = opts.log ?? (() => undefined);
  const standin = opts.standin ?? findStandin();
  if (!fs.existsSync(standin)) throw new OperationError(`the stand-in agent ${standin} does not exist; run \`npm run build\` first`);
  const agents = opts.agents ?? DEMO_AGENTS;
  const root = fs.realpathSync(fs.mkdtempSync(path.join(opts.tmpDir ?? os.tmpdir(), 'fleet-demo-')));
  const socket = demoSocketName();
  const tmux = new TmuxClient(socket, opts.runner);
  const started: string[] = [];
  let socketFile: string | null = null;
  let cleaned: Promise<void> | null = null;

  const cleanup = (): Promise<void> => {
    cleaned ??= removeDemo(tmux, root, () => socketFile);
    return cleaned;
  };

  try {
    // A socket name already served (vanishingly unlikely with 32 random bits) is someone else's: refuse.
    if ((await tmux.observe()).server === 'up') throw new OperationError(`tmux socket ${socket} is already in use`);
    const claudeHome = path.join(root, 'claude');
    const stateDir = path.join(root, 'state');
    const roster = path.join(root, 'fleet.yaml');
    const cwd = (name: string): string => path.join(root, 'work', name);
    fs.mkdirSync(claudeHome, { recursive: true, mode: 0o700 });
    for (const a of agents) {
      fs.mkdirSync(cwd(a.name), { recursive: true });
      fs.writeFileSync(path.join(cwd(a.name), 'TASKS.md'), demoTasksFile(a));
    }
    fs.writeFileSync(roster, demoRosterYaml({ socket, cwd, claudeHome, node: process.execPath, standin, agents }), { mode: 0o600 });
    const paths = ensureStateDir(stateDir);
    for (const a of agents) if (a.start === 'stopped') setFlag(paths.stopped(a.name), true);

    log(`demo: starting ${agents.filter((a) => a.start === 'live' || a.start === 'crash').length} agents on tmux socket ${socket}`);
    await tmux.ensureHolder();
    socketFile = await tmux.socketPath();
    const env = { CLAUDE_CONFIG_DIR: claudeHome };
    for (const a of agents) {
      if (a.start !== 'live' && a.start !== 'crash') continue;
      const { sessionId } = await tmux.newSession({ name: a.name, cwd: cwd(a.name), command: demoCommand(a, process.execPath, standin), env: a.runtime === 'claude' ? env : {} });
      started.push(a.name);
      // The demo woke these agents, so say so as a wake would: the grid shows the last task, and the
      // supervisor treats them as fleet's own (an idle one is put to sleep after idleSecs).
      const now = Date.now();
      writeWakeRecord(paths, a.name, { wokenAt: now, mode: 'fresh', baselineMs: null, sessionId, ...(a.firstTask ? { lastTask: a.firstTask, lastTaskAt: now } : {}) });
    }
    if (opts.stray ?? true) {
      fs.mkdirSync(cwd(DEMO_STRAY), { recursive: true });
      await tmux.newSession({ name: DEMO_STRAY, cwd: cwd(DEMO_STRAY), command: 'PS1="scratch$ " exec sh -i' });
      started.push(DEMO_STRAY);
    }
    if (opts.choreograph ?? true) await choreograph(tmux, agents, log);

    return {
      globals: { socket, roster, stateDir },
      env: { FLEET_SOCKET: socket, FLEET_ROSTER: roster, FLEET_STATE_DIR: stateDir, CLAUDE_CONFIG_DIR: claudeHome },
      root,
      socketPath: socketFile,
      agents,
      started,
      cleanup,
    };
  } catch (e) {
    await cleanup();
    throw e;
  }
}

/** Once each stand-in draws its composer: paste its first task, and make `flaky` exit. Best effort. */
async function choreograph(tmux: TmuxClient, agents: readonly DemoAgent[], log: (l: string) => void): Promise<void> {
  const jobs = agents
    .filter((a) => (a.start === 'live' && a.firstTask !== undefined && a.runtime === 'claude') || a.start === 'crash')
    .map(async (a) => {
      const ready = await poll(async () => (await tmux.capturePane(a.name).catch(() => '')).includes('│ > '), 15_000);
      if (!ready) {
        log(`demo: ${a.name} did not draw its composer; left as it is`);
        return;
      }
      await tmux.paste(a.name, a.start === 'crash' ? '/crash' : (a.firstTask ?? ''));
      await tmux.sendKeys(a.name, 'Enter');
    });
  await Promise.all(jobs);
}

async function poll(cond: () => Promise<boolean>, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await cond()) return true;
    await new Promise((r) => setTimeout(r, 100));
  }
  return false;
}

/** Kills the demo's own server (and so every session on its private socket), then removes its files. */
async function removeDemo(tmux: TmuxClient, root: string, socketFile: () => string | null): Promise<void> {
  const pids: number[] = [];
  const sock = socketFile() ?? (await tmux.socketPath().catch(() => null));
  try {
    const obs = await tmux.observe();
    if (obs.server === 'up') for (const p of obs.panes.values()) if (!p.dead && p.pid > 0) pids.push(p.pid);
    await tmux.killServer();
  } catch {
    /* no server, or tmux gone: nothing to kill */
  }
  // Let the agents exit (tmux sends them SIGHUP) before their working dirs go.
  await poll(async () => pids.every((pid) => !alive(pid)), 3_000);
  if (sock && path.basename(sock) === tmux.socket) {
    try {
      if (fs.lstatSync(sock).isSocket()) fs.rmSync(sock, { force: true });
    } catch {
      /* already gone */
    }
  }
  fs.rmSync(root, { recursive: true, force: true, maxRetries: 3 });
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}
