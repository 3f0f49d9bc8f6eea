import { describe, expect, it } from 'vitest';
import type { AgentState } from '../../src/domain/types.js';
import { TmuxClient } from '../../src/tmux/client.js';
import { makeTestFleet } from '../helpers/fleet-env.js';
import { STANDIN } from '../helpers/tmux.js';

/**
 * The truth test (issue 3): three stand-in agents run a scripted scenario — idle, busy, idle, waiting, answered
 * (busy), idle, reset, exit (dead), asleep — while `fleet ls --json` is sampled every 250 ms. Samples that
 * overlap the 1 s settling window after a scripted transition are left out; of the rest, the reported state
 * must equal the scripted truth in at least 99 %.
 */

const AGENTS = ['t0', 't1', 't2'];
const STAGGER_MS = 600;
const WORK_MS = 5000;
const SETTLE_MS = 1000;

type Action = 'start' | 'task' | 'ask' | 'answer' | 'clear' | 'exit' | 'kill';
/** [offset ms, action, state it leads to]; a task/answer also leads to idle WORK_MS later. */
const SCRIPT: [number, Action, AgentState][] = [
  [0, 'start', 'idle'],
  [4500, 'task', 'busy'],
  [14000, 'ask', 'waiting'],
  [19000, 'answer', 'busy'],
  [28500, 'clear', 'idle'],
  [33000, 'exit', 'dead'],
  [37500, 'kill', 'asleep'],
];
const END_MS = 42_000;

interface Transition {
  at: number;
  state: AgentState;
}

describe('truth: fleet ls agrees with what the agents are really doing', () => {
  it('≥ 99 % agreement outside the settling windows', async () => {
    const f = makeTestFleet();
    const cmd = `node ${STANDIN} --work-ms ${WORK_MS}`;
    f.writeRoster(
      `version: 1\ndefaults:\n  busyWindowSecs: 2\nagents:\n` +
        AGENTS.map((n) => `  - name: ${n}\n    runtime: claude\n    cwd: ${f.cwd(n)}\n    command: ${cmd}\n`).join(''),
    );
    const tmux = new TmuxClient(f.socket);
    await tmux.ensureHolder();

    const truth = new Map<string, Transition[]>(AGENTS.map((n) => [n, [{ at: -Infinity, state: 'asleep' }]]));
    const t0 = Date.now() + 500;
    const act = async (name: string, a: Action): Promise<void> => {
      switch (a) {
        case 'start':
          await tmux.newSession({ name, cwd: f.cwd(name), command: cmd, env: { CLAUDE_CONFIG_DIR: f.claudeHome } });
          return;
        case 'task':
          await tmux.paste(name, 'do the thing');
          return tmux.sendKeys(name, 'Enter');
        case 'ask':
          await tmux.paste(name, '/ask May I delete build/?');
          return tmux.sendKeys(name, 'Enter');
        case 'answer':
          return tmux.sendKeys(name, '1');
        case 'clear':
          await tmux.paste(name, '/clear');
          return tmux.sendKeys(name, 'Enter');
        case 'exit':
          await tmux.paste(name, '/exit');
          return tmux.sendKeys(name, 'Enter');
        case 'kill':
          await tmux.killSession(name);
          return;
      }
    };

    // The script: every agent runs the same scenario, staggered so the fleet holds mixed states at once.
    const events = AGENTS.flatMap((name, i) => SCRIPT.map(([off, a, state]) => ({ name, at: t0 + i * STAGGER_MS + off, a, state })));
    events.sort((x, y) => x.at - y.at);
    const runScript = (async () => {
      for (const e of events) {
        const wait = e.at - Date.now();
        if (wait > 0) await new Promise((r) => setTimeout(r, wait));
        const started = Date.now();
        await act(e.name, e.a);
        const tr = truth.get(e.name)!;
        tr.push({ at: started, state: e.state });
        if (e.a === 'task' || e.a === 'answer') tr.push({ at: started + WORK_MS, state: 'idle' });
      }
    })();

    const stateAt = (name: string, t: number): AgentState => {
      let s: AgentState = 'asleep';
      for (const x of truth.get(name)!) if (x.at <= t) s = x.state;
      return s;
    };
    const unsettled = (name: string, start: number, end: number): boolean =>
      truth.get(name)!.some((x) => Number.isFinite(x.at) && start < x.at + SETTLE_MS && end > x.at - 50);

    const samples: { start: number; end: number; states: Record<string, string> }[] = [];
    const failures: string[] = [];
    // One `fleet ls` every 250 ms; a call may take longer than that on a busy machine, so a few overlap (≤ 3).
    const inflight = new Set<Promise<void>>();
    const sample = async (): Promise<void> => {
      const start = Date.now();
      const r = await f.fleet(['ls', '--json']);
      const end = Date.now();
      if (r.code !== 0) {
        failures.push(`ls exit ${r.code}: ${r.stderr}`);
        return;
      }
      const rows = JSON.parse(r.stdout) as { name: string; state: string }[];
      samples.push({ start, end, states: Object.fromEntries(rows.map((x) => [x.name, x.state])) });
    };
    let next = t0;
    while (Date.now() < t0 + (AGENTS.length - 1) * STAGGER_MS + END_MS) {
      const wait = next - Date.now();
      if (wait > 0) await new Promise((r) => setTimeout(r, wait));
      next += 250;
      if (inflight.size >= 3) await Promise.race(inflight);
      const p: Promise<void> = sample().finally(() => inflight.delete(p));
      inflight.add(p);
    }
    await Promise.all(inflight);
    await runScript;

    let counted = 0;
    let agreed = 0;
    const misses: string[] = [];
    for (const s of samples) {
      for (const name of AGENTS) {
        if (unsettled(name, s.start, s.end)) continue;
        const want = stateAt(name, s.start);
        if (stateAt(name, s.end) !== want) continue; // straddles a transition
        counted++;
        if (s.states[name] === want) agreed++;
        else misses.push(`${name} @${s.start - t0}ms: reported ${s.states[name]}, truth ${want}`);
      }
    }
    const agreement = counted ? agreed / counted : 0;
    console.log(`truth test: ${agreed}/${counted} settled samples agree = ${(agreement * 100).toFixed(2)} % (${samples.length} ls calls, ${AGENTS.length} agents)`);
    if (misses.length) console.log(misses.slice(0, 20).join('\n'));
    expect(failures).toEqual([]);
    // enough settled samples, and every scripted state among them (on a loaded machine each ls is slower, so
    // fewer samples fall outside the settling windows; the phases are long enough to keep some of each)
    expect(counted).toBeGreaterThanOrEqual(30);
    const checked = new Set<string>();
    for (const s of samples) for (const name of AGENTS) if (!unsettled(name, s.start, s.end) && stateAt(name, s.start) === stateAt(name, s.end)) checked.add(stateAt(name, s.start));
    expect([...checked].sort()).toEqual(['asleep', 'busy', 'dead', 'idle', 'waiting']);
    expect(agreement).toBeGreaterThanOrEqual(0.99);
  }, 90_000);
});
