import { spawn, type ChildProcess } from 'node:child_process';
import os from 'node:os';
import type { Roster, TmuxObservation } from '../domain/types.js';
import { initialState, reduce, type CockpitState } from '../store/index.js';
import { ProcessTmuxRunner } from '../tmux/runner.js';
import { median, procCpu, quantile, rssMb, treeCpu } from './proc.js';

export interface Dist {
  median: number;
  p95: number;
}
const dist = (xs: readonly number[]): Dist => ({ median: median(xs), p95: quantile(xs, 0.95) });

const selfCpu = (): number => {
  const c = procCpu(process.pid);
  return c ? c.self + c.reaped : 0;
};

export interface ObservationSource {
  observe(now?: number): Promise<TmuxObservation>;
  readonly spawned: number;
  /** A long-lived helper process whose CPU belongs to the source (the control-mode client). */
  readonly pid?: number | undefined;
}

export interface TickResult {
  wall: Dist;
  /** fleet's own CPU per tick (process.cpuUsage: µs resolution). */
  cpu: Dist;
  /** Mean per tick of fleet + tmux client(s) + tmux server CPU (OS accounting over all ticks). */
  totalCpuMean: number;
  serverCpuMean: number;
  spawnedPerTick: number;
  rows: number;
}

/** K observation ticks as the cockpit runs them: observe → store reducer (parse + derive rows). */
export async function measureTicks(src: ObservationSource, roster: Roster, serverPid: number, k: number): Promise<TickResult> {
  let state: CockpitState = reduce(initialState({ socket: 'bench', home: os.homedir(), now: Date.now() }), [{ type: 'roster', roster }]);
  for (let i = 0; i < 3; i++) state = reduce(state, [{ type: 'tmux', obs: await src.observe(Date.now()) }]); // warm-up
  const wall: number[] = [];
  const cpu: number[] = [];
  const spawned0 = src.spawned;
  const helper0 = src.pid ? (procCpu(src.pid)?.self ?? 0) : 0;
  const total0 = selfCpu();
  const server0 = procCpu(serverPid)?.self ?? 0;
  for (let i = 0; i < k; i++) {
    const now = Date.now();
    const c0 = process.cpuUsage();
    const t0 = performance.now();
    const obs = await src.observe(now);
    state = reduce(state, [{ type: 'tmux', obs }, { type: 'tick', now }]);
    wall.push(performance.now() - t0);
    const c = process.cpuUsage(c0);
    cpu.push((c.user + c.system) / 1000);
  }
  const server = (procCpu(serverPid)?.self ?? 0) - server0;
  const helper = src.pid ? (procCpu(src.pid)?.self ?? 0) - helper0 : 0;
  const total = selfCpu() - total0 + helper + server;
  return {
    wall: dist(wall),
    cpu: dist(cpu),
    totalCpuMean: total / k,
    serverCpuMean: server / k,
    spawnedPerTick: (src.spawned - spawned0) / k,
    rows: state.order.length,
  };
}

export interface PeerResult {
  wallMs: number;
  /** CPU of one pass: the poller, its tmux clients and the tmux server. */
  cpuMs: number;
  spawned: number;
}

/** What peers do: one `has-session` + one `capture-pane` per agent per tick, each its own tmux process. */
export async function measurePeerPass(socket: string, names: readonly string[], serverPid: number, passes: number): Promise<PeerResult> {
  const runner = new ProcessTmuxRunner(socket);
  const t0 = performance.now();
  const c0 = selfCpu();
  const s0 = procCpu(serverPid)?.self ?? 0;
  for (let p = 0; p < passes; p++) {
    for (const n of names) {
      await runner.run(['has-session', '-t', `=${n}`]);
      await runner.run(['capture-pane', '-p', '-t', `=${n}:`]);
    }
  }
  const server = (procCpu(serverPid)?.self ?? 0) - s0;
  return { wallMs: (performance.now() - t0) / passes, cpuMs: (selfCpu() - c0 + server) / passes, spawned: runner.spawned / passes };
}

export interface WindowResult {
  /** % of one core: the fleet process tree (incl. its tmux clients) + the tmux server. */
  pctCore: number;
  fleetPct: number;
  serverPct: number;
  rssMb: number | null;
}

export interface Child {
  proc: ChildProcess;
  stop(): Promise<void>;
}

/** Starts a child and waits for a stdout line matching `ready`. */
export async function startChild(cmd: string, args: string[], env: Record<string, string>, ready: RegExp, timeoutMs = 60_000): Promise<Child> {
  const proc = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'], env });
  let err = '';
  proc.stderr?.on('data', (d: Buffer) => (err += d.toString()).slice(-4000));
  await new Promise<void>((resolve, reject) => {
    let out = '';
    const t = setTimeout(() => reject(new Error(`${args.join(' ')}: not ready within ${timeoutMs} ms: ${err.trim()}`)), timeoutMs);
    proc.stdout?.on('data', (d: Buffer) => {
      out += d.toString();
      if (ready.test(out)) {
        clearTimeout(t);
        resolve();
      }
    });
    proc.on('exit', (code) => {
      clearTimeout(t);
      reject(new Error(`${args.join(' ')} exited (${code}) before ready: ${err.trim()}`));
    });
  });
  return {
    proc,
    stop: () =>
      new Promise<void>((resolve) => {
        if (proc.exitCode !== null || proc.signalCode !== null) return resolve();
        const kill = setTimeout(() => proc.kill('SIGKILL'), 5_000);
        proc.once('exit', () => {
          clearTimeout(kill);
          resolve();
        });
        proc.kill('SIGTERM');
      }),
  };
}

/** CPU of a running fleet process tree + the tmux server over a window, as % of one core. */
export async function measureWindow(pid: number, serverPid: number, windowMs: number): Promise<WindowResult> {
  const f0 = treeCpu(pid);
  const s0 = procCpu(serverPid)?.self ?? 0;
  const t0 = performance.now();
  await new Promise((r) => setTimeout(r, windowMs));
  const dt = performance.now() - t0;
  const fleet = treeCpu(pid) - f0;
  const server = (procCpu(serverPid)?.self ?? 0) - s0;
  return { pctCore: ((fleet + server) / dt) * 100, fleetPct: (fleet / dt) * 100, serverPct: (server / dt) * 100, rssMb: rssMb(pid) };
}

export interface CaptureResult {
  perAgent: PeerResult;
  chained: PeerResult;
  control: PeerResult;
}

/** A burst of screen checks for k panes three ways: one process each, ONE chained client, the control connection. */
export async function measureCaptures(socket: string, names: readonly string[], serverPid: number, ctl: { runMany(c: string[][]): Promise<{ exitCode: number; stdout: string }[]> }): Promise<CaptureResult> {
  const run = async (f: () => Promise<number>): Promise<PeerResult> => {
    const t0 = performance.now();
    const c0 = selfCpu();
    const s0 = procCpu(serverPid)?.self ?? 0;
    const spawned = await f();
    const server = (procCpu(serverPid)?.self ?? 0) - s0;
    return { wallMs: performance.now() - t0, cpuMs: selfCpu() - c0 + server, spawned };
  };
  const runner = new ProcessTmuxRunner(socket);
  const cap = (n: string): string[] => ['capture-pane', '-p', '-t', `=${n}:`];
  const check = (ok: boolean, what: string): void => {
    if (!ok) throw new Error(`capture burst (${what}) did not return every pane`);
  };
  const perAgent = await run(async () => {
    for (const n of names) check((await runner.run(cap(n))).exitCode === 0, 'per agent');
    return names.length;
  });
  const chained = await run(async () => {
    const args: string[] = [];
    for (const n of names) args.push(...(args.length ? [';'] : []), ...cap(n), ';', 'display-message', '-p', '\u001e');
    const r = await runner.run(args, { timeoutMs: 30_000 });
    check(r.exitCode === 0 && r.stdout.split('\u001e\n').length - 1 === names.length, 'chained');
    return 1;
  });
  const control = await run(async () => {
    const rs = await ctl.runMany(names.map(cap));
    check(rs.every((r) => r.exitCode === 0), 'control');
    return 0;
  });
  return { perAgent, chained, control };
}

/** The tmux server alone (no fleet process running) over a window: its own CPU, % of one core. */
export async function measureServerAlone(serverPid: number, windowMs: number): Promise<number> {
  const s0 = procCpu(serverPid)?.self ?? 0;
  const t0 = performance.now();
  await new Promise((r) => setTimeout(r, windowMs));
  return (((procCpu(serverPid)?.self ?? 0) - s0) / (performance.now() - t0)) * 100;
}
