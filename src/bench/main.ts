import fs from 'node:fs';
import path from 'node:path';
import { loadRoster } from '../state/roster-file.js';
import { ControlClient } from '../tmux/control.js';
import { measureBroadcast, type BroadcastResult } from './broadcast.js';
import { measureCockpit, measureStarts, type CockpitResult, type StartsResult } from './cockpit.js';
import { measureCaptures, measurePeerPass, measureServerAlone, measureTicks, type CaptureResult, type TickResult, type WindowResult } from './measure.js';
import { BenchUsageError, parseArgs, type Opts } from './args.js';
import { machine, median, quantile } from './proc.js';
import { fmt, notes, table, writeBenchDoc, type Row, type Verdict } from './report.js';
import { createSynthFleet, type SynthFleet } from './synth.js';

/**
 * `npm run bench`: a synthetic fleet on a private socket at N = 50, 200, 500, the real fleet code paths
 * (the built `fleet top` in a tmux pane, the built `fleet broadcast`), one table of the issue-8 measures
 * with budgets, plus the per-agent polling baseline peers use.
 * Options: --n 50,200,500  --window-ms 12000  --ticks 30  --keys 40  --writes 15  --starts 5  --broadcast 100  --write  --quick
 *   --cockpit-only control,poll (only the fleet top phase)  --node-args '…' (run fleet top as `node <args> bin/fleet.js`, e.g. --cpu-prof; default: bin/fleet.js itself, shebang flags)
 */
const REPO = path.resolve(path.dirname(new URL(import.meta.url).pathname), '..');
const FLEET_BIN = path.join(REPO, 'bin', 'fleet.js');
const STANDIN = path.join(REPO, 'dist', 'standin.js');

interface PerN {
  n: number;
  poll: TickResult;
  control: TickResult;
  peer: { wallMs: number; cpuMs: number; spawned: number };
  captures: CaptureResult;
  writers: number;
  top: CockpitResult | Error;
  topPoll: CockpitResult | Error;
  /** `--starts` more starts each way (an agent just edited · roster unchanged), control mode; null: not measured. */
  starts: StartsResult | Error | null;
  /** The tmux server's own CPU with no fleet process running (% of one core): what the agents cost it. */
  alone: { idle: number; busy: number; busyPrinting: number };
}

const log = (s: string): void => void process.stderr.write(`bench: ${s}\n`);
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

let fleet: SynthFleet | null = null;
const cleanupAll = (): void => {
  fleet?.cleanup();
  fleet = null;
};

async function cockpit(f: SynthFleet, ctl: ControlClient, serverPid: number, o: Opts, source: 'control' | 'poll', busyNames: string[]): Promise<CockpitResult | Error> {
  try {
    const r = await measureCockpit(f, ctl, {
      fleetBin: FLEET_BIN, nodeArgs: o.nodeArgs, serverPid, windowMs: o.windowMs, source,
      keySamples: source === 'control' ? o.keys : 0,
      writeSamples: source === 'control' ? o.writes : 0,
      busyPrinting: source === 'control',
      busyPhase: async (print) => {
        await f.setBusy(busyNames, true, print);
        return async () => {
          await f.setBusy(busyNames, false);
          await sleep(300);
          await f.backdate(busyNames);
        };
      },
    });
    log(`N=${f.names.length}: fleet top (${source}) first frame on screen after ${fmt(r.firstFrameMs)} ms; fleet's own marks: ${r.firstFrameMarks ?? 'none'}`);
    return r;
  } catch (e) {
    log(`fleet top (${source}) at N=${f.names.length}: ${(e as Error).message}`);
    return e as Error;
  }
}

/** `--starts K` more starts each way (null with --starts 0), each logged with fleet's own figure and marks. */
async function extraStarts(f: SynthFleet, ctl: ControlClient, n: number, o: Opts): Promise<StartsResult | Error | null> {
  if (o.starts === 0) return null;
  log(`N=${n}: ${o.starts} more starts of fleet top each way, one agent just edited and roster unchanged`);
  const starts = await measureStarts(f, ctl, { fleetBin: FLEET_BIN, nodeArgs: o.nodeArgs, source: 'control' }, o.starts, (written, s) =>
    log(`N=${n}: start (${written ? 'an agent just edited' : 'roster unchanged'}): all agents on screen after ${fmt(s.fullMs)} ms; fleet's own ${s.selfMs ?? '–'} ms (${s.marks ?? 'no marks'})`),
  ).catch((e: unknown) => e as Error);
  if (starts instanceof Error) log(`N=${n}: the extra starts failed: ${starts.message}`);
  return starts;
}

async function runN(f: SynthFleet, n: number, o: Opts): Promise<PerN | null> {
  log(`growing the fleet to ${n} sessions`);
  await f.grow(n);
  await f.backdate(f.names); // an idle fleet: every transcript hours old
  const serverPid = f.serverPid();
  const roster = loadRoster(f.roster);

  if (o.cockpitOnly) {
    const ctl = new ControlClient(f.socket, { subscribe: false });
    await ctl.connect();
    try {
      for (const source of o.cockpitOnly) {
        log(`N=${n}: fleet top (${source})`);
        const r = await cockpit(f, ctl, f.serverPid(), o, source, f.names.filter((_, i) => i % 10 === 0).slice(0, Math.max(1, Math.round(n / 10))));
        process.stdout.write(`N=${n} ${source}: ${JSON.stringify(r instanceof Error ? r.message : r)}\n`);
      }
      const starts = await extraStarts(f, ctl, n, o);
      if (starts) process.stdout.write(`N=${n} starts: ${JSON.stringify(starts instanceof Error ? starts.message : starts)}\n`);
    } finally {
      await ctl.close();
    }
    return null;
  }
  log(`N=${n}: ${o.ticks} observation ticks (list-panes poll, control mode)`);
  const pollSrc = { observe: (now?: number) => f.tmux.observe(now), get spawned() { return f.tmux.runner.spawned; } };
  const poll = await measureTicks(pollSrc, roster, serverPid, o.ticks);
  let ctl = new ControlClient(f.socket, { subscribe: false });
  if (!(await ctl.connect())) throw new Error('control-mode client could not connect');
  try {
    const control = await measureTicks(ctl, roster, serverPid, o.ticks);
    log(`N=${n}: a burst of ${Math.min(n, 50)} screen captures three ways`);
    const captures = await measureCaptures(f.socket, f.names.slice(0, 50), serverPid, ctl);
    log(`N=${n}: peer baseline (has-session + capture-pane per agent)`);
    const peer = await measurePeerPass(f.socket, f.names, serverPid, n <= 50 ? 3 : 1);
    const writers = Math.max(1, Math.round(n / 10));
    const busyNames = f.names.filter((_, i) => i % 10 === 0).slice(0, writers);
    log(`N=${n}: the tmux server alone, idle and busy`);
    await ctl.close(); // no fleet process at all while the server is measured alone
    const aloneIdle = await measureServerAlone(serverPid, o.windowMs);
    await f.setBusy(busyNames, true);
    await sleep(1_500);
    const aloneBusy = await measureServerAlone(serverPid, o.windowMs);
    await f.setBusy(busyNames, true, true);
    await sleep(1_500);
    const aloneBusyPrinting = await measureServerAlone(serverPid, o.windowMs);
    await f.setBusy(busyNames, false);
    await sleep(300);
    await f.backdate(busyNames);
    ctl = new ControlClient(f.socket, { subscribe: false });
    if (!(await ctl.connect())) throw new Error('control-mode client could not reconnect');
    log(`N=${n}: fleet top (control mode): first frame, keys, transcript writes, idle and busy (${writers} writing) windows of ${o.windowMs} ms`);
    const top = await cockpit(f, ctl, serverPid, o, 'control', busyNames);
    log(`N=${n}: fleet top (FLEET_TMUX_SOURCE=poll): idle and busy windows`);
    const topPoll = await cockpit(f, ctl, serverPid, o, 'poll', busyNames);
    const starts = await extraStarts(f, ctl, n, o);
    return { n, poll, control, peer, captures, writers, top, topPoll, starts, alone: { idle: aloneIdle, busy: aloneBusy, busyPrinting: aloneBusyPrinting } };
  } finally {
    await ctl.close();
  }
}

const pass = (ok: boolean): Verdict => (ok ? 'PASS' : 'MISS');
const pct = (w: WindowResult | undefined | null): string => (w ? `${w.pctCore.toFixed(2)} % (fleet ${w.fleetPct.toFixed(2)} + tmux ${w.serverPct.toFixed(2)})` : '–');
const ok = (t: CockpitResult | Error): t is CockpitResult => !(t instanceof Error);

function buildRows(rs: PerN[], b: BroadcastResult | Error | null): Row[] {
  const at = (n: number): PerN => rs.find((r) => r.n === n) ?? rs[rs.length - 1]!;
  const top = at(500);
  const mid = at(200);
  const cockpitRow = (measure: string, budget: string, cell: (c: CockpitResult, r: PerN) => string, verdict: (c: CockpitResult) => boolean, which: 'top' | 'topPoll' = 'top', judgeAt: PerN = top): Row => {
    const judged = judgeAt[which];
    return {
      measure,
      budget,
      cells: rs.map((r) => (ok(r[which]) ? cell(r[which], r) : 'failed')),
      verdict: ok(judged) ? pass(verdict(judged)) : 'not measured',
      ...(ok(judged) ? {} : { note: `not measured: fleet top failed: ${judged.message.split('\n')[0]}` }),
    };
  };
  const rows: Row[] = [
    {
      measure: 'tmux processes per observation tick',
      budget: '≤ 1 (0 with control mode)',
      cells: rs.map((r) => `poll ${r.poll.spawnedPerTick} · ctl ${r.control.spawnedPerTick}`),
      verdict: pass(rs.every((r) => r.poll.spawnedPerTick <= 1 && r.control.spawnedPerTick === 0)),
    },
    {
      measure: 'observation CPU per tick, list-panes poll: total mean (tmux server; fleet p50/p95)',
      budget: '≤ 20 ms at 500',
      cells: rs.map((r) => `${fmt(r.poll.totalCpuMean)} ms (${fmt(r.poll.serverCpuMean)}; ${fmt(r.poll.cpu.median)}/${fmt(r.poll.cpu.p95)})`),
      verdict: pass(top.poll.totalCpuMean <= 20),
    },
    {
      measure: 'observation CPU per tick, control mode: total mean (tmux server; fleet p50/p95)',
      budget: '≤ 20 ms at 500',
      cells: rs.map((r) => `${fmt(r.control.totalCpuMean)} ms (${fmt(r.control.serverCpuMean)}; ${fmt(r.control.cpu.median)}/${fmt(r.control.cpu.p95)})`),
      verdict: pass(top.control.totalCpuMean <= 20),
    },
    {
      measure: 'observation wall per tick p50/p95 (poll · ctl)',
      budget: '–',
      cells: rs.map((r) => `${fmt(r.poll.wall.median)}/${fmt(r.poll.wall.p95)} · ${fmt(r.control.wall.median)}/${fmt(r.control.wall.p95)} ms`),
      verdict: 'n/a',
    },
    {
      measure: 'peer baseline: has-session + capture-pane per agent, CPU per pass (× fleet poll tick · × ctl tick)',
      budget: '–',
      cells: rs.map((r) => `${fmt(r.peer.cpuMs)} ms, ${r.peer.spawned} procs (×${(r.peer.cpuMs / Math.max(r.poll.totalCpuMean, 0.01)).toFixed(0)} · ×${(r.peer.cpuMs / Math.max(r.control.totalCpuMean, 0.01)).toFixed(0)})`),
      verdict: 'n/a',
      note: `per-agent polling at N=${top.n} costs ${fmt(top.peer.cpuMs)} ms CPU and ${fmt(top.peer.wallMs)} ms wall per pass (${top.peer.spawned} tmux processes) vs ${fmt(top.poll.totalCpuMean)} ms (1 process) for fleet's list-panes tick and ${fmt(top.control.totalCpuMean)} ms (0 processes) through control mode.`,
    },
    {
      measure: 'burst of ≤ 50 screen captures, CPU (wall): a process each · one chained client · control mode',
      budget: '–',
      cells: rs.map((r) => [r.captures.perAgent, r.captures.chained, r.captures.control].map((c) => `${fmt(c.cpuMs)} (${fmt(c.wallMs)})`).join(' · ') + ' ms'),
      verdict: 'n/a',
    },
    {
      measure: 'for reference: the tmux server alone, no fleet running, idle · busy · busy with pane output (% of one core)',
      budget: '–',
      cells: rs.map((r) => `${r.alone.idle.toFixed(2)} % · ${r.alone.busy.toFixed(2)} % · ${r.alone.busyPrinting.toFixed(2)} %`),
      verdict: 'n/a',
      note: 'what the agents themselves cost the tmux server; it is inside every "fleet + tmux server" figure below. With pane output, every line wakes the server, which (libevent on poll(2), as tmux runs on Linux) then polls every pane\'s terminal: the cost grows with writers × sessions whatever fleet does.',
    },
    cockpitRow('idle fleet CPU, fleet top (control mode), % of one core: fleet + tmux server', '≤ 1 % at 200', (c) => pct(c.idle), (c) => c.idle.pctCore <= 1, 'top', mid),
    cockpitRow('idle fleet CPU, fleet top with FLEET_TMUX_SOURCE=poll', '≤ 1 % at 200', (c) => pct(c.idle), (c) => c.idle.pctCore <= 1, 'topPoll', mid),
    cockpitRow('busy fleet CPU (N/10 writing transcripts), fleet top (control mode)', '≤ 10 % at 500', (c) => pct(c.busy), (c) => (c.busy?.pctCore ?? Infinity) <= 10),
    cockpitRow('busy fleet CPU (N/10 writing transcripts), fleet top with poll', '≤ 10 % at 500', (c) => pct(c.busy), (c) => (c.busy?.pctCore ?? Infinity) <= 10, 'topPoll'),
    {
      ...cockpitRow('for reference: busy with pane output too (each writer also prints a line a second), fleet top (control mode)', '–', (c) => pct(c.busyPrinting), () => true),
      verdict: 'n/a',
    },
    cockpitRow('key → frame p50/p95 (send-keys j/k → screen changed)', '≤ 30 ms p95 at 500', (c) => `${fmt(c.keyToFrame.median)}/${fmt(c.keyToFrame.p95)} ms`, (c) => c.keyToFrame.p95 <= 30),
    cockpitRow('transcript write → state on screen p50/p95', '≤ 300 ms p95', (c) => `${fmt(c.transcriptToScreen.median)}/${fmt(c.transcriptToScreen.p95)} ms`, (c) => c.transcriptToScreen.p95 <= 300),
    firstFrameRow(rs),
    cockpitRow('resident memory of fleet top', '≤ 100 MB at 500', (c) => `${fmt(c.rssMb ?? NaN)} MB`, (c) => (c.rssMb ?? Infinity) <= 100),
  ];
  if (b === null) rows.push({ measure: 'broadcast to 100 agents, all verified', budget: '≤ 10 s', cells: rs.map(() => '–'), verdict: 'not measured', note: 'not measured: --broadcast 0' });
  else if (b instanceof Error) rows.push({ measure: 'broadcast to 100 agents, all verified', budget: '≤ 10 s', cells: rs.map(() => '–'), verdict: 'not measured', note: `not measured: ${b.message}` });
  else {
    rows.push({
      measure: `broadcast to ${b.total} live stand-ins (fleet broadcast --json), delivered/total`,
      budget: '≤ 10 s, all verified',
      cells: rs.map((r, i) => (i === rs.length - 1 ? `${fmt(b.wallMs / 1000, 2)} s, ${b.delivered}/${b.total}` : '–')),
      verdict: pass(b.wallMs <= 10_000 && b.delivered === b.total),
      note: `with N=${rs[rs.length - 1]?.n} synthetic sessions on the same server; results ${JSON.stringify(b.counts)}, exit ${b.exitCode}.`,
    });
  }
  return rows;
}

/**
 * Start → first frame. With `--starts K`: the median and p95 of K starts each way per N (one agent just
 * edited: the roster is read and checked again; unchanged: from the roster cache), judged on the median —
 * one start is one sample of a figure this VM moves by ±40 ms from one minute to the next; the p95 is shown
 * beside it. Without extra starts: each N's two single starts (the control run's, roster just written as
 * the fleet grew; the poll run's, unchanged), each judged alone.
 */
function firstFrameRow(rs: PerN[]): Row {
  const sampled = rs.every((r) => r.starts !== null && !(r.starts instanceof Error));
  const first = rs[0];
  const firstStart = first && ok(first.top) ? `the run's very first start (N=${first.n}, roster just written) is the first after the build, from the code cache \`npm run build\` made: ${fmt(first.top.fullFrameMs)} ms (fleet's own count ${first.top.firstFrameSelfMs ?? '–'} ms)` : '';
  if (!sampled) {
    return {
      measure: "start → first frame, all agents shown (screen; fleet's own count): roster just written · unchanged",
      budget: '≤ 300 ms',
      cells: rs.map((r) => [r.top, r.topPoll].map((c) => (ok(c) ? `${fmt(c.fullFrameMs)} (${c.firstFrameSelfMs ?? '–'})` : '–')).join(' · ') + ' ms'),
      verdict: rs.every((r) => ok(r.top) && ok(r.topPoll)) ? pass(rs.every((r) => [r.top, r.topPoll].every((c) => ok(c) && c.fullFrameMs <= 300))) : 'not measured',
      note: `one start each (no --starts); ${firstStart}.`,
    };
  }
  const st = (r: PerN): StartsResult => r.starts as StartsResult;
  const cell = (xs: number[], self: number[]): string => `${fmt(median(xs))}/${fmt(quantile(xs, 0.95))} (${self.length ? fmt(median(self)) : '–'})`;
  const over = rs.flatMap((r) => [
    ...(quantile(st(r).written, 0.95) > 300 ? [`N=${r.n} edited`] : []),
    ...(quantile(st(r).unchanged, 0.95) > 300 ? [`N=${r.n} unchanged`] : []),
  ]);
  const k = st(rs[0]!).written.length;
  return {
    measure: `start → first frame, all agents shown, p50/p95 of ${k} starts (fleet's own p50): an agent just edited · roster unchanged`,
    budget: '≤ 300 ms (median)',
    cells: rs.map((r) => `${cell(st(r).written, st(r).writtenSelf)} · ${cell(st(r).unchanged, st(r).unchangedSelf)} ms`),
    verdict: pass(rs.every((r) => median(st(r).written) <= 300 && median(st(r).unchanged) <= 300)),
    note: `screen time from new-session of the pane to every agent counted in the header; the first frame already counts them all. p95 over 300 ms: ${over.length ? over.join(', ') : 'none'}. Each N's single starts in the phases above (control, roster just written · poll, unchanged): ${rs.map((r) => [r.top, r.topPoll].map((c) => (ok(c) ? fmt(c.fullFrameMs) : '–')).join(' · ')).join(' / ')} ms; ${firstStart}.`,
  };
}

async function main(argv: string[]): Promise<number> {
  const o = parseArgs(argv);
  if (!fs.existsSync(STANDIN) || !fs.existsSync(path.join(REPO, 'dist', 'fleet.cjs'))) throw new Error('run `npm run build` first (dist/fleet.cjs, dist/standin.js)');
  const started = Date.now();
  const onSignal = (sig: string): void => {
    log(`${sig}: cleaning up`);
    cleanupAll();
    process.exit(130);
  };
  process.once('SIGINT', () => onSignal('SIGINT'));
  process.once('SIGTERM', () => onSignal('SIGTERM'));
  const m = machine();
  fleet = createSynthFleet();
  log(`socket ${fleet.socket}, temp dir ${fleet.root}`);
  const results: PerN[] = [];
  let b: BroadcastResult | Error | null = null;
  try {
    for (const n of o.ns) {
      const r = await runN(fleet, n, o);
      if (r) results.push(r);
    }
    if (o.cockpitOnly) return 0;
    if (o.broadcast > 0) {
      log(`broadcast to ${o.broadcast} live stand-ins`);
      const ctl = new ControlClient(fleet.socket, { subscribe: false });
      await ctl.connect();
      try {
        b = await measureBroadcast(fleet, ctl, { k: o.broadcast, fleetBin: FLEET_BIN, standin: STANDIN });
      } catch (e) {
        b = e as Error;
        log(`broadcast: ${b.message}`);
      } finally {
        await ctl.close();
      }
    }
  } finally {
    cleanupAll();
  }
  const rows = buildRows(results, b);
  const out = [
    `Machine: ${m.cpu}; ${m.memory}; ${m.os}; node ${m.node}; ${m.tmux}; load average before the run ${m.load}.`,
    `Run: ${new Date(started).toISOString()}, ${((Date.now() - started) / 1000).toFixed(0)} s; CPU windows ${o.windowMs} ms; ${o.ticks} ticks per source; ${o.keys} keys; ${o.writes} transcript writes.`,
    '',
    table(o.ns, rows),
    '',
    notes(rows),
  ].join('\n');
  process.stdout.write(`${out}\n`);
  if (o.write) {
    const file = path.join(REPO, 'docs', 'BENCH.md');
    writeBenchDoc(file, out);
    log(`wrote ${file}`);
  }
  return 0;
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (e: Error) => {
    log(e instanceof BenchUsageError ? `usage: ${e.message}` : `failed: ${e.message}`);
    cleanupAll();
    process.exit(e instanceof BenchUsageError ? 2 : 1);
  },
);
