import path from 'node:path';
import { loadRoster } from '../state/roster-file.js';
import { ControlClient } from '../tmux/control.js';
import { measurePeerPass, measureTicks, measureWindow, startChild, type Child, type TickResult, type WindowResult } from './measure.js';
import { machine } from './proc.js';
import { fmt, notes, table, writeBenchDoc, type Row, type Verdict } from './report.js';
import { createSynthFleet, type SynthFleet } from './synth.js';
import { runWatchChild } from './watch-child.js';

/**
 * `npm run bench`: a synthetic fleet on a private socket at N = 50, 200, 500, the real fleet code paths,
 * one table of the issue-8 measures with budgets, plus the per-agent polling baseline peers use.
 * Options: --n 50,200,500  --window-ms 15000  --ticks 30  --write (docs/BENCH.md)  --quick
 */
interface Opts {
  ns: number[];
  windowMs: number;
  ticks: number;
  write: boolean;
}

function parseArgs(argv: string[]): Opts {
  const o: Opts = { ns: [50, 200, 500], windowMs: 15_000, ticks: 30, write: false };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const v = (): string => {
      const x = argv[++i];
      if (x === undefined) throw new Error(`${a} needs a value`);
      return x;
    };
    if (a === '--n') o.ns = v().split(',').map((s) => {
      const n = Number(s);
      if (!Number.isInteger(n) || n < 1 || n > 2000) throw new Error(`--n: ${JSON.stringify(s)} is not an agent count (1–2000)`);
      return n;
    });
    else if (a === '--window-ms') o.windowMs = Number(v());
    else if (a === '--ticks') o.ticks = Number(v());
    else if (a === '--write') o.write = true;
    else if (a === '--quick') Object.assign(o, { ns: [20, 50], windowMs: 4000, ticks: 10 });
    else throw new Error(`unknown option ${a}`);
  }
  if (!(o.windowMs >= 1000) || !(o.ticks >= 3)) throw new Error('--window-ms must be ≥ 1000 and --ticks ≥ 3');
  o.ns.sort((a, b) => a - b);
  return o;
}

interface PerN {
  n: number;
  poll: TickResult;
  control: TickResult;
  peer: { wallMs: number; cpuMs: number; spawned: number };
  idle: { poll: WindowResult; control: WindowResult };
  busy: { poll: WindowResult; control: WindowResult; writers: number };
}

const log = (s: string): void => void process.stderr.write(`bench: ${s}\n`);
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

const children = new Set<Child>();
let fleet: SynthFleet | null = null;
async function cleanupAll(): Promise<void> {
  for (const c of children) await c.stop();
  children.clear();
  fleet?.cleanup();
  fleet = null;
}

async function watchWindow(f: SynthFleet, source: 'poll' | 'control', serverPid: number, windowMs: number): Promise<WindowResult> {
  const script = process.argv[1]!;
  const c = await startChild(process.execPath, [script, '--child-watch', source, f.roster, f.socket, f.stateDir],
    { ...process.env, CLAUDE_CONFIG_DIR: f.claudeHome } as Record<string, string>, /ready \d+/);
  children.add(c);
  try {
    await sleep(2_000); // let start-up work finish: the window measures the steady state
    return await measureWindow(c.proc.pid!, serverPid, windowMs);
  } finally {
    await c.stop();
    children.delete(c);
  }
}

async function runN(f: SynthFleet, n: number, o: Opts): Promise<PerN> {
  log(`growing the fleet to ${n} sessions`);
  await f.grow(n);
  await sleep(1_500); // new panes write their first transcript record
  const serverPid = f.serverPid();
  const roster = loadRoster(f.roster);

  log(`N=${n}: ${o.ticks} observation ticks (list-panes poll, control mode)`);
  const pollSrc = { observe: (now?: number) => f.tmux.observe(now), get spawned() { return f.tmux.runner.spawned; } };
  const poll = await measureTicks(pollSrc, roster, serverPid, o.ticks);
  const ctl = new ControlClient(f.socket);
  if (!(await ctl.connect())) throw new Error('control-mode client could not connect');
  const control = await measureTicks(ctl, roster, serverPid, o.ticks);
  await ctl.close();

  log(`N=${n}: peer baseline (has-session + capture-pane per agent)`);
  const peer = await measurePeerPass(f.socket, f.names, serverPid, n <= 50 ? 3 : 1);

  log(`N=${n}: idle fleet, ${o.windowMs} ms windows`);
  const idle = { poll: await watchWindow(f, 'poll', serverPid, o.windowMs), control: await watchWindow(f, 'control', serverPid, o.windowMs) };

  const writers = Math.max(1, Math.round(n / 10));
  log(`N=${n}: busy fleet (${writers} writing transcripts)`);
  const busyNames = f.names.filter((_, i) => i % 10 === 0).slice(0, writers);
  await f.setBusy(busyNames, true);
  await sleep(1_500);
  const busy = { poll: await watchWindow(f, 'poll', serverPid, o.windowMs), control: await watchWindow(f, 'control', serverPid, o.windowMs), writers };
  await f.setBusy(busyNames, false);
  return { n, poll, control, peer, idle, busy };
}

const pass = (ok: boolean): Verdict => (ok ? 'PASS' : 'MISS');
const pct = (w: WindowResult): string => `${w.pctCore.toFixed(2)} % (fleet ${w.fleetPct.toFixed(2)} + tmux ${w.serverPct.toFixed(2)})`;

function buildRows(rs: PerN[]): Row[] {
  const at = (n: number): PerN | undefined => rs.find((r) => r.n === n) ?? rs[rs.length - 1];
  const top = at(500)!;
  const mid = at(200)!;
  const notMeasured = (measure: string, budget: string, why: string): Row => ({ measure, budget, cells: rs.map(() => '–'), verdict: 'not measured', note: `not measured: ${why}` });
  return [
    {
      measure: 'tmux processes per observation tick',
      budget: '≤ 1 (0 with control mode)',
      cells: rs.map((r) => `poll ${r.poll.spawnedPerTick} · ctl ${r.control.spawnedPerTick}`),
      verdict: pass(rs.every((r) => r.poll.spawnedPerTick <= 1 && r.control.spawnedPerTick === 0)),
    },
    {
      measure: 'observation CPU per tick, list-panes poll (total mean; fleet p50/p95)',
      budget: '≤ 20 ms at 500',
      cells: rs.map((r) => `${fmt(r.poll.totalCpuMean)} ms (${fmt(r.poll.cpu.median)}/${fmt(r.poll.cpu.p95)})`),
      verdict: pass(top.poll.totalCpuMean <= 20),
    },
    {
      measure: 'observation CPU per tick, control mode (total mean; fleet p50/p95)',
      budget: '≤ 20 ms at 500',
      cells: rs.map((r) => `${fmt(r.control.totalCpuMean)} ms (${fmt(r.control.cpu.median)}/${fmt(r.control.cpu.p95)})`),
      verdict: pass(top.control.totalCpuMean <= 20),
    },
    {
      measure: 'observation wall per tick p50/p95 (poll · ctl)',
      budget: '–',
      cells: rs.map((r) => `${fmt(r.poll.wall.median)}/${fmt(r.poll.wall.p95)} · ${fmt(r.control.wall.median)}/${fmt(r.control.wall.p95)} ms`),
      verdict: 'n/a',
    },
    {
      measure: 'peer baseline: has-session + capture-pane per agent, CPU per pass (× fleet poll tick)',
      budget: '–',
      cells: rs.map((r) => `${fmt(r.peer.cpuMs)} ms, ${r.peer.spawned} procs (×${(r.peer.cpuMs / Math.max(r.poll.totalCpuMean, 0.01)).toFixed(0)})`),
      verdict: 'n/a',
      note: `per-agent polling at N=500 costs ${fmt(top.peer.cpuMs)} ms CPU and ${fmt(top.peer.wallMs)} ms wall per pass (${top.peer.spawned} tmux processes) vs ${fmt(top.poll.totalCpuMean)} ms (1 process) for fleet's list-panes tick and ${fmt(top.control.totalCpuMean)} ms (0 processes) through control mode.`,
    },
    {
      measure: 'idle fleet CPU, poll 1 Hz (fleet + tmux server, % of one core)',
      budget: '≤ 1 % at 200',
      cells: rs.map((r) => pct(r.idle.poll)),
      verdict: pass(mid.idle.poll.pctCore <= 1),
    },
    {
      measure: 'idle fleet CPU, control mode',
      budget: '≤ 1 % at 200',
      cells: rs.map((r) => pct(r.idle.control)),
      verdict: pass(mid.idle.control.pctCore <= 1),
    },
    {
      measure: 'busy fleet CPU (N/10 writing), poll 1 Hz',
      budget: '≤ 10 % at 500',
      cells: rs.map((r) => pct(r.busy.poll)),
      verdict: pass(top.busy.poll.pctCore <= 10),
    },
    {
      measure: 'busy fleet CPU (N/10 writing), control mode',
      budget: '≤ 10 % at 500',
      cells: rs.map((r) => pct(r.busy.control)),
      verdict: pass(top.busy.control.pctCore <= 10),
    },
    {
      measure: 'resident memory of the fleet process (headless pipeline, control)',
      budget: '≤ 100 MB at 500',
      cells: rs.map((r) => `${fmt(r.busy.control.rssMb ?? NaN)} MB`),
      verdict: pass((top.busy.control.rssMb ?? Infinity) <= 100),
    },
    notMeasured('key → frame p95', '≤ 30 ms at 500', 'the cockpit (task C) has not landed'),
    notMeasured('transcript write → state on screen p95', '≤ 300 ms', 'the transcript watcher / cockpit have not landed'),
    notMeasured('start → first frame', '≤ 300 ms', 'the cockpit (task C) has not landed'),
    notMeasured('broadcast to 100 agents, all verified', '≤ 10 s', 'broadcast() (task D) has not landed'),
  ];
}

async function main(argv: string[]): Promise<number> {
  if (argv[0] === '--child-watch') {
    const [, source, roster, socket, stateDir] = argv;
    await runWatchChild({ source: source === 'control' ? 'control' : 'poll', roster: roster!, socket: socket!, stateDir: stateDir!, intervalMs: 1000, reconcileMs: 10_000 });
    return -1; // keeps running until SIGTERM
  }
  const o = parseArgs(argv);
  const started = Date.now();
  const onSignal = (sig: string): void => {
    log(`${sig}: cleaning up`);
    void cleanupAll().then(() => process.exit(130));
  };
  process.once('SIGINT', () => onSignal('SIGINT'));
  process.once('SIGTERM', () => onSignal('SIGTERM'));
  const m = machine();
  fleet = createSynthFleet();
  log(`socket ${fleet.socket}, temp dir ${fleet.root}`);
  const results: PerN[] = [];
  try {
    for (const n of o.ns) results.push(await runN(fleet, n, o));
  } finally {
    await cleanupAll();
  }
  const rows = buildRows(results);
  const out = [
    `Machine: ${m.cpu}; ${m.memory}; ${m.os}; node ${m.node}; ${m.tmux}; load before the run ${m.load}.`,
    `Run: ${new Date(started).toISOString()}, ${((Date.now() - started) / 1000).toFixed(0)} s; windows ${o.windowMs} ms; ${o.ticks} ticks per source.`,
    '',
    table(o.ns, rows),
    '',
    notes(rows),
  ].join('\n');
  process.stdout.write(`${out}\n`);
  if (o.write) {
    const file = path.resolve('docs/BENCH.md');
    writeBenchDoc(file, out);
    log(`wrote ${file}`);
  }
  return 0;
}

main(process.argv.slice(2)).then(
  (code) => {
    if (code >= 0) process.exit(code);
  },
  (e: Error) => {
    log(`failed: ${e.message}`);
    void cleanupAll().then(() => process.exit(1));
  },
);
