import fs from 'node:fs';
import path from 'node:path';
import type { ControlClient } from '../tmux/control.js';
import { measureWindow, type Dist, type WindowResult } from './measure.js';
import { descendants, median, quantile } from './proc.js';
import { shq } from './report.js';
import type { SynthFleet } from './synth.js';

/**
 * The real `fleet top` (bin/fleet.js run as the installed command: its shebang's node flags apply) in a tmux pane on the bench socket, driven like an operator:
 * keys through send-keys, the screen read back with capture-pane — both over the control-mode
 * connection, so polling the screen every few ms spawns nothing and costs the server < 1 ms.
 */
export const TOP_SESSION = '_bench_top';
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
const dist = (xs: readonly number[]): Dist => ({ median: median(xs), p95: quantile(xs, 0.95) });

export interface CockpitResult {
  /** Spawn of the pane → the header drawn on screen (ms), and fleet's own report (process uptime at first render). */
  firstFrameMs: number;
  firstFrameSelfMs: number | null;
  /** fleet's own start-up marks for that frame (`node 74 · bundle compiled (cache) 87 · cli 112 · …`). */
  firstFrameMarks: string | null;
  /** → every agent counted in the header. */
  fullFrameMs: number;
  keyToFrame: Dist;
  transcriptToScreen: Dist;
  idle: WindowResult;
  busy: WindowResult | null;
  /** The same writers also printing a line to their panes each second (reference; null when not measured). */
  busyPrinting: WindowResult | null;
  rssMb: number | null;
}

async function screen(ctl: ControlClient, escapes = false): Promise<string> {
  const r = await ctl.run(['capture-pane', '-p', ...(escapes ? ['-e'] : []), '-t', `=${TOP_SESSION}:`]);
  if (r.exitCode !== 0) throw new Error(`capture of fleet top failed: ${r.stderr.trim()}`);
  return r.stdout;
}

async function until(ctl: ControlClient, ok: (s: string) => boolean, timeoutMs: number, what: string, escapes = false): Promise<number> {
  const t0 = performance.now();
  for (;;) {
    const s = await screen(ctl, escapes);
    if (ok(s)) return performance.now();
    if (performance.now() - t0 > timeoutMs) throw new Error(`fleet top: timed out waiting for ${what}; screen:\n${s.split('\n').slice(0, 8).join('\n')}`);
    await sleep(2);
  }
}

/** Starts fleet top, measures, quits it. `busyPhase` switches writers on for the busy window. */
export async function measureCockpit(
  f: SynthFleet,
  ctl: ControlClient,
  o: TopOptions & { serverPid: number; windowMs: number; keySamples: number; writeSamples: number; busyPhase?: (print: boolean) => Promise<() => Promise<void>>; busyPrinting?: boolean },
): Promise<CockpitResult> {
  const { firstMs, fullMs, selfMs, marks } = await startTop(f, ctl, o);
  try {
    const panePid = Number((await ctl.run(['display-message', '-p', '-t', `=${TOP_SESSION}:`, '#{pane_pid}'])).stdout.trim());
    // Start-up work settles first: the first transcript scan of every agent, the supervisor's first passes,
    // and V8's memory reducer, which runs a few full garbage collections in the first ~10 s after start-up
    // to shrink the heap. The idle budget is about a cockpit that has been running, not one starting.
    await sleep(15_000);
    const nodePid = [panePid, ...descendants(panePid)].find((p) => fs.existsSync(`/proc/${p}/comm`) && fs.readFileSync(`/proc/${p}/comm`, 'utf8').trim() === 'node') ?? panePid;
    // Idle first: nothing changes (transcripts are hours old), so nothing on screen should either.
    const idle = await measureWindow(nodePid, o.serverPid, o.windowMs);

    // key → frame: j/k move the selection; the frame is there when the screen (with attributes) changes.
    const keys: number[] = [];
    for (let i = 0; i < o.keySamples; i++) {
      const before = await screen(ctl, true);
      const k0 = performance.now();
      await ctl.run(['send-keys', '-t', `=${TOP_SESSION}:`, i % 2 ? 'k' : 'j']);
      const k1 = await until(ctl, (s) => s !== before, 20_000, 'a frame after a key', true);
      keys.push(k1 - k0);
      await sleep(30);
    }

    // transcript write → the row shows busy. Agents the busy phase never touches (index % 10 != 0).
    const writes: number[] = [];
    const picks = f.names.filter((_, i) => i % 10 === 5).slice(0, o.writeSamples);
    // The selection may sit on a row far down the grid (it follows its agent when the rows re-sort as
    // the first transcript scans land); the busy rows sort to the top, so show the top.
    await ctl.run(['send-keys', '-t', `=${TOP_SESSION}:`, 'g']);
    for (const name of picks) {
      const row = new RegExp(`^\\s*(?:● )?${name}\\b.*\\bbusy\\b`, 'm');
      // Start from a row that is not busy (a fresh fleet's first records are < 8 s old).
      const idleAt = await until(ctl, (s) => !row.test(s), 15_000, `${name} not busy`).catch(() => null);
      if (idleAt === null) continue;
      const w0 = performance.now();
      fs.appendFileSync(f.transcriptOf(name), `${JSON.stringify({ type: 'assistant', sessionId: 'bench', message: { role: 'assistant', content: [{ type: 'text', text: 'bench write' }] } })}\n`);
      const w1 = await until(ctl, (s) => row.test(s), 10_000, `${name} busy on screen`);
      writes.push(w1 - w0);
    }

    // Busy: writers appending to their transcripts (the budget's case), then — for reference — the same
    // writers also printing to their panes.
    const busyWindow = async (print: boolean): Promise<WindowResult | null> => {
      if (!o.busyPhase) return null;
      const undo = await o.busyPhase(print);
      try {
        await sleep(1_500);
        return await measureWindow(nodePid, o.serverPid, o.windowMs);
      } finally {
        await undo();
      }
    };
    const busy = await busyWindow(false);
    const busyPrinting = o.busyPrinting ? await busyWindow(true) : null;
    return {
      firstFrameMs: firstMs,
      firstFrameSelfMs: selfMs,
      firstFrameMarks: marks,
      fullFrameMs: fullMs,
      keyToFrame: dist(keys),
      transcriptToScreen: dist(writes),
      idle,
      busy,
      busyPrinting,
      rssMb: busy?.rssMb ?? idle.rssMb,
    };
  } finally {
    await quitTop(ctl);
  }
}

export interface TopOptions {
  fleetBin: string;
  nodeArgs?: string | undefined;
  source: 'control' | 'poll';
}

export interface Started {
  /** new-session → the header on screen, → every agent counted in it (ms). */
  firstMs: number;
  fullMs: number;
  /** fleet's own report: process uptime at its first render, and its start-up marks. */
  selfMs: number | null;
  marks: string | null;
}

/** Starts the built `fleet top` in a pane on the bench server, as an operator would, and waits for its first frame. */
async function startTop(f: SynthFleet, ctl: ControlClient, o: TopOptions): Promise<Started> {
  const n = f.names.length;
  const errFile = path.join(f.root, `top-${n}.stderr`);
  // Appended to by every start at this N: only what this start wrote counts (a byte offset: the marks hold '·').
  const errFrom = fs.existsSync(errFile) ? fs.statSync(errFile).size : 0;
  const launcher = o.nodeArgs ? `${shq(process.execPath)} ${o.nodeArgs} ${shq(o.fleetBin)}` : shq(o.fleetBin);
  const cmd = `exec ${launcher} top --socket ${shq(f.socket)} --roster ${shq(f.roster)} --state-dir ${shq(f.stateDir)} 2>>${shq(errFile)}`;
  // The launcher's V8 code cache lives in the bench's temp dir, empty at first: the run's first start reads
  // the one `npm run build` made (dist/code-cache), as the first start after a build does, and saves its own.
  const env = ['-e', `FLEET_CODE_CACHE=${path.join(f.root, 'code-cache')}`, '-e', `CLAUDE_CONFIG_DIR=${f.claudeHome}`, '-e', 'FLEET_BENCH_FIRST_FRAME=1', '-e', 'TERM=xterm-256color', '-e', `FLEET_TMUX_SOURCE=${o.source}`, '-e', `PATH=${path.dirname(process.execPath)}:${process.env.PATH ?? ''}`];
  // Start on a settled machine: the phase before may have just respawned 50 panes or quit a cockpit, and
  // an operator does not start fleet top in the same instant (the self-reported figure showed +60–90 ms).
  await sleep(2_000);
  const t0 = performance.now();
  const r = await ctl.run(['new-session', '-d', '-s', TOP_SESSION, '-x', '200', '-y', '60', ...env, cmd]);
  if (r.exitCode !== 0) throw new Error(`cannot start fleet top: ${r.stderr.trim()}`);
  try {
    const header = /fleet fleet-bench-\S+ .*│ (\d+) agents/;
    const first = await until(ctl, (s) => header.test(s), 20_000, 'the first frame');
    const full = await until(ctl, (s) => Number(header.exec(s)?.[1] ?? -1) >= n, 30_000, `${n} agents in the header`);
    const self = /first frame after (\d+) ms \((.*)\)/.exec(fs.existsSync(errFile) ? fs.readFileSync(errFile).subarray(errFrom).toString('utf8') : '');
    return { firstMs: first - t0, fullMs: full - t0, selfMs: self ? Number(self[1]) : null, marks: self?.[2] ?? null };
  } catch (e) {
    await quitTop(ctl);
    throw e;
  }
}

async function quitTop(ctl: ControlClient): Promise<void> {
  await ctl.run(['send-keys', '-t', `=${TOP_SESSION}:`, 'q']);
  await sleep(300);
  await ctl.run(['kill-session', '-t', `=${TOP_SESSION}`]);
}

export interface StartsResult {
  /** Each start: new-session → every agent counted in the header on screen (ms). */
  written: number[];
  unchanged: number[];
  /** fleet's own figures for the same starts (process uptime at its first render). */
  writtenSelf: number[];
  unchangedSelf: number[];
}

/**
 * A real edit of one agent entry, as an operator makes one: the last agent's tags change on every call (the
 * synthetic roster ends inside that agent's entry). Not a comment: the roster is read and checked again.
 */
function editLastAgent(file: string, i: number): void {
  const text = fs.readFileSync(file, 'utf8');
  const tags = /^ {4}tags: \[bench-edit-\d+\]\n/m;
  fs.writeFileSync(file, tags.test(text) ? text.replace(tags, `    tags: [bench-edit-${i}]\n`) : `${text}    tags: [bench-edit-${i}]\n`);
}

/**
 * `k` more starts of `fleet top` each way, alternating: with one agent of the roster just edited (so its
 * cached parse no longer matches) and with the roster unchanged. One start is one sample of a figure this
 * VM moves by ±40 ms between starts minutes apart; the table gives the median and p95.
 */
export async function measureStarts(f: SynthFleet, ctl: ControlClient, o: TopOptions, k: number, onStart?: (written: boolean, s: Started) => void): Promise<StartsResult> {
  const res: StartsResult = { written: [], unchanged: [], writtenSelf: [], unchangedSelf: [] };
  for (let i = 0; i < k; i++) {
    for (const written of [true, false]) {
      if (written) editLastAgent(f.roster, i + 1);
      const s = await startTop(f, ctl, o);
      await quitTop(ctl);
      onStart?.(written, s);
      (written ? res.written : res.unchanged).push(s.fullMs);
      if (s.selfMs !== null) (written ? res.writtenSelf : res.unchangedSelf).push(s.selfMs);
    }
  }
  return res;
}
