import { describe, expect, it } from 'vitest';
import type { AgentSpec, PaneObs, RuntimeName, TmuxObservation } from '../../src/domain/types.js';
import { TmuxClient } from '../../src/tmux/client.js';
import { FIELD_SEP } from '../../src/tmux/parse.js';
import type { RunOptions, RunResult, TmuxRunner } from '../../src/tmux/runner.js';
import { createScreenChecker } from '../../src/watch/screens.js';
import { lsScreenTargets } from '../../src/watch/snapshot.js';
import type { Roster, TranscriptObs } from '../../src/domain/types.js';
import { DEFAULTS } from '../../src/domain/roster.js';

/** A fake tmux that answers chained capture-pane / display-message from a table of screens. */
class FakeTmux implements TmuxRunner {
  calls: string[][] = [];
  spawned = 0;
  /** list-panes answers: name → window_activity (seconds). */
  activity: Record<string, number> = {};
  constructor(public screens: Record<string, string>) {}
  async run(args: readonly string[], _o?: RunOptions): Promise<RunResult> {
    this.spawned++;
    this.calls.push([...args]);
    const cmds: string[][] = [[]];
    for (const a of args) {
      if (a === ';') cmds.push([]);
      else cmds[cmds.length - 1]!.push(a);
    }
    let stdout = '';
    for (const c of cmds) {
      if (c[0] === 'capture-pane') {
        const t = c[c.indexOf('-t') + 1]!;
        const name = t.replace(/^=/, '').replace(/:$/, '');
        const s = this.screens[name];
        if (s === undefined) return { stdout, stderr: `can't find pane: ${name}`, exitCode: 1, timedOut: false };
        stdout += s.endsWith('\n') ? s : s + '\n';
      } else if (c[0] === 'display-message') stdout += c[c.length - 1] + '\n';
      else if (c[0] === 'list-panes') {
        stdout += Object.entries(this.activity)
          .map(([n, secs], i) => [n, `$${i}`, '0', '0', `%${i}`, '1', '0', '', String(secs), '0', '0'].join(FIELD_SEP))
          .join('\n') + '\n';
      }
    }
    return { stdout, stderr: '', exitCode: 0, timedOut: false };
  }
}

const NOW = 2_000_000_000_000;
const spec = (name: string, runtime: RuntimeName = 'claude', o: Partial<AgentSpec> = {}): AgentSpec => ({
  name, runtime, cwd: '/w', class: undefined, tags: [], command: undefined, reset: undefined, kickstart: undefined,
  env: {}, managed: 'fleet', transcripts: undefined, idleSecs: undefined, ...o,
});
const pane = (session: string, activityMs: number, o: Partial<PaneObs> = {}): PaneObs => ({
  session, sessionId: `$${session}`, paneId: `%${session}`, pid: 1, dead: false, deadStatus: null,
  activityMs, createdMs: 0, attached: 0, ...o,
});
const up = (...ps: PaneObs[]): TmuxObservation => ({ server: 'up', at: NOW, panes: new Map(ps.map((p) => [p.session, p])) });

const ASK = 'standin\nDo you want to proceed?\n❯ 1. Yes   2. No\n╭────╮\n│ >  │\n╰────╯';
const DRAFT = 'standin\n╭────────╮\n│ > half │\n╰────────╯';

describe('screen checker', () => {
  it('captures only settled, moved agents of runtimes with screen patterns, in ONE tmux call', async () => {
    const fake = new FakeTmux({ a: ASK, b: DRAFT, c: 'x', d: 'x', e: 'x', f: 'x', g: 'x' });
    const checker = createScreenChecker(new TmuxClient('fleet-test-fake', fake), { settleWaitMs: 0 });
    const old = Date.now() - 5000;
    const specs = [spec('a'), spec('b', 'codex'), spec('c', 'pi'), spec('d', 'shell'), spec('e', 'claude', { managed: 'external' }), spec('f'), spec('g')];
    const obs = up(pane('a', old), pane('b', old), pane('c', old), pane('d', old), pane('e', old), pane('f', old, { dead: true }), pane('g', Date.now() + 60_000));
    const m = await checker.check(obs, specs, Date.now());
    expect(fake.spawned).toBe(1);
    expect([...m.keys()].sort()).toEqual(['a', 'b']);
    expect(m.get('a')).toMatchObject({ waiting: true, draft: false });
    expect(m.get('b')?.waiting).toBe(false);
    const targets = fake.calls[0]!.filter((x) => x.startsWith('='));
    expect(targets).toEqual(['=a:', '=b:']);
  });

  it('does not capture again until the pane output moves (and settles)', async () => {
    const fake = new FakeTmux({ a: ASK, b: DRAFT });
    const checker = createScreenChecker(new TmuxClient('fleet-test-fake', fake), { settleWaitMs: 0 });
    const specs = [spec('a'), spec('b')];
    let act = Date.now() - 5000;
    const first = await checker.check(up(pane('a', act), pane('b', act)), specs, Date.now());
    expect(first.get('b')).toMatchObject({ waiting: false, draft: true });
    expect(fake.spawned).toBe(1);
    const again = await checker.check(up(pane('a', act), pane('b', act)), specs, Date.now());
    expect(fake.spawned).toBe(1);
    expect(again.get('a')?.waiting).toBe(true); // cached
    // a moves, still in the current second: not yet (a capture now would not be trusted)
    act = Date.now();
    await checker.check(up(pane('a', act), pane('b', Date.now() - 5000)), specs, act + 10);
    expect(fake.spawned).toBe(1);
    // later, settled: only a is captured
    fake.screens.a = 'standin — working\n│ >  │';
    const later = await checker.check(up(pane('a', act), pane('b', Date.now() - 5000)), specs, act + 1500);
    expect(fake.spawned).toBe(2);
    expect(fake.calls[1]!.filter((x) => x.startsWith('='))).toEqual(['=a:']);
    expect(later.get('a')?.waiting).toBe(false);
  });

  it('a pane that just printed: the check waits for it to settle, re-observes once, and captures it if it held still', async () => {
    const fake = new FakeTmux({ a: ASK, b: ASK });
    const checker = createScreenChecker(new TmuxClient('fleet-test-fake', fake));
    const nowSec = Math.floor(Date.now() / 1000);
    // a printed its question this second and holds still; b keeps printing (activity moves on re-observe)
    fake.activity = { a: nowSec, b: nowSec + 1 };
    const t0 = Date.now();
    const m = await checker.check(up(pane('a', nowSec * 1000), pane('b', nowSec * 1000)), [spec('a'), spec('b')], t0);
    expect(Date.now() - t0).toBeLessThan(2500);
    expect(fake.calls.some((c) => c[0] === 'list-panes')).toBe(true);
    expect([...m.keys()]).toEqual(['a']);
    expect(m.get('a')!.waiting).toBe(true);
    expect(m.get('a')!.at).toBeGreaterThanOrEqual(nowSec * 1000 + 1000); // trusted by deriveState
  });

  it('a session that vanished mid-chain: the others are still captured one by one', async () => {
    const fake = new FakeTmux({ a: ASK, c: ASK });
    const checker = createScreenChecker(new TmuxClient('fleet-test-fake', fake), { settleWaitMs: 0 });
    const old = Date.now() - 5000;
    const m = await checker.check(up(pane('a', old), pane('b', old), pane('c', old)), [spec('a'), spec('b'), spec('c')], Date.now());
    expect([...m.keys()].sort()).toEqual(['a', 'c']);
  });

  it('server down: no screens, no tmux calls', async () => {
    const fake = new FakeTmux({});
    const checker = createScreenChecker(new TmuxClient('fleet-test-fake', fake), { settleWaitMs: 0 });
    const m = await checker.check({ server: 'down', at: NOW, reason: 'no server' }, [spec('a')], NOW);
    expect(m.size).toBe(0);
    expect(fake.spawned).toBe(0);
  });
});

describe('fleet ls screen targets', () => {
  it('settled live agents of screen runtimes whose transcript does not rule a question out', () => {
    const now = Date.now();
    const specs = ['a', 'b', 'c', 'd', 'e', 'f', 'g'].map((n) => spec(n));
    specs.push(spec('p', 'pi'));
    const roster: Roster = { version: 1, path: '/r', socket: 's', defaults: { ...DEFAULTS, cwd: undefined }, agents: specs };
    const t = (o: Partial<TranscriptObs>): TranscriptObs => ({ lastActivityMs: 1, sessionFile: '/f', resumeRef: 'f', turnOpen: undefined, problem: undefined, ...o });
    const transcripts = new Map<string, TranscriptObs | undefined>([
      ['a', t({})], // no opinion: check
      ['b', t({ turnOpen: false })], // turn closed: skip
      ['c', t({ mayAsk: false })], // a prompt is being worked on: skip
      ['d', t({ mayAsk: true })], // pending tool call: check
      ['e', t({})], // output still moving this second: skip
      ['f', t({})], // dead: skip
      ['p', t({})], // pi has no waiting prompts: skip
    ]);
    const old = now - 5000;
    const obs = up(pane('a', old), pane('b', old), pane('c', old), pane('d', old), pane('e', now), pane('f', old, { dead: true }), pane('p', old));
    expect(lsScreenTargets(roster, obs, transcripts, now).map((x) => x.name)).toEqual(['a', 'd']);
    expect(lsScreenTargets(roster, { server: 'down', at: now, reason: 'x' }, transcripts, now)).toEqual([]);
  });
});
