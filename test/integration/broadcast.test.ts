import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { openContext } from '../../src/context.js';
import { broadcast, recoverRuns } from '../../src/delivery/broadcast.js';
import { Ledger } from '../../src/delivery/ledger.js';
import { ProcessTmuxRunner, type RunOptions, type RunResult, type TmuxRunner } from '../../src/tmux/runner.js';
import { makeTestFleet, standinAgents, type TestFleet } from '../helpers/fleet-env.js';
import { tmux, waitFor } from '../helpers/tmux.js';
import { userTurns } from './delivery-helpers.js';

async function liveFleet(names: string[], opts: { asleep?: string[]; extraYaml?: string; agentYaml?: string } = {}): Promise<TestFleet> {
  const f = makeTestFleet();
  const env = `    env: { CLAUDE_CONFIG_DIR: ${f.claudeHome} }\n${opts.agentYaml ?? ''}`;
  f.writeRoster(`version: 1\n${opts.extraYaml ?? ''}agents:\n${standinAgents(f, names, env)}`);
  const live = names.filter((n) => !opts.asleep?.includes(n));
  // Woken a few at a time (each wake is its own fleet process).
  for (let i = 0; i < live.length; i += 4) {
    await Promise.all(
      live.slice(i, i + 4).map(async (n) => {
        const r = await f.fleet(['wake', n]);
        expect(r.code, r.stderr).toBe(0);
        await waitFor(() => tmux(f.socket, 'capture-pane', '-p', '-t', `=${n}:`).includes('│ > '), { what: `${n} composer`, timeoutMs: 20_000 });
      }),
    );
  }
  return f;
}

interface Summary {
  runId: number;
  created: boolean;
  ok: boolean;
  results: { name: string; state: string; reason?: string }[];
  targets: { name: string; state: string; action: string }[];
}

describe('fleet broadcast', () => {
  it('delivers to live agents, wakes asleep ones, skips stopped and external ones; the ledger records it all', async () => {
    const f = makeTestFleet();
    const env = `    env: { CLAUDE_CONFIG_DIR: ${f.claudeHome} }\n`;
    f.writeRoster(
      `version: 1\nagents:\n${standinAgents(f, ['a1', 'a2', 'a3', 'a4'], env)}  - name: ext\n    runtime: claude\n    cwd: ${f.cwd('ext')}\n    managed: external\n`,
    );
    for (const n of ['a1', 'a2']) expect((await f.fleet(['wake', n])).code).toBe(0);
    expect((await f.fleet(['stop', 'a4'])).code).toBe(0);
    const text = 'status report, please:\n- what changed\n- what is next';
    const r = await f.fleet(['broadcast', 'all', '--text', text, '--json']);
    expect(r.code, r.stderr).toBe(0);
    const s = JSON.parse(r.stdout) as Summary;
    const by = Object.fromEntries(s.results.map((x) => [x.name, x]));
    expect(by.a1!.state).toBe('delivered');
    expect(by.a2!.state).toBe('delivered');
    expect(by.a3!.state).toBe('delivered');
    expect(by.a4).toMatchObject({ state: 'skipped', reason: expect.stringMatching(/stopped/) });
    expect(by.ext).toMatchObject({ state: 'skipped', reason: expect.stringMatching(/externally/) });
    for (const n of ['a1', 'a2', 'a3']) expect(userTurns(f, n)).toEqual([text]);
    expect(userTurns(f, 'a4')).toEqual([]);

    const show = JSON.parse((await f.fleet(['runs', 'show', String(s.runId), '--json'])).stdout) as {
      state: string; text: string; deliveries: { agent: string; state: string; attempts: number }[]; events: { seq: number; type: string }[];
    };
    expect(show.state).toBe('finished');
    expect(show.text).toBe(text);
    expect(show.deliveries.find((d) => d.agent === 'a3')).toMatchObject({ state: 'delivered', attempts: 1 });
    expect(show.events.map((e) => e.seq)).toEqual(show.events.map((_, i) => i + 1));
    expect(show.events[0]!.type).toBe('run.created');
    expect(show.events.at(-1)!.type).toBe('run.finished');
    expect(show.events.map((e) => e.type)).toContain('delivery.waking');
    const human = await f.fleet(['runs', 'show', String(s.runId)]);
    expect(human.stdout).toMatch(/a3\s+delivered\s+1\s+verified by transcript/);
    expect(fs.statSync(path.join(f.stateDir, 'ledger.sqlite')).mode & 0o777).toBe(0o600);
  });

  it('selects by class and tag; --dry-run lists and sends nothing', async () => {
    const f = await liveFleet(['a1', 'a2', 'b1'], { asleep: ['b1'] });
    const roster = fs.readFileSync(f.roster, 'utf8').replace(/( {2}- name: a1\n)/, '$1    class: impl\n    tags: [api]\n').replace(/( {2}- name: b1\n)/, '$1    tags: [api]\n');
    f.writeRoster(roster);
    const dry = await f.fleet(['broadcast', 'tag:api', '--text', 'x', '--dry-run', '--json']);
    expect(dry.code).toBe(0);
    const d = JSON.parse(dry.stdout) as Summary & { dryRun: boolean };
    expect(d.dryRun).toBe(true);
    expect(d.targets).toEqual([expect.objectContaining({ name: 'a1', action: 'deliver' }), expect.objectContaining({ name: 'b1', state: 'asleep', action: 'wake' })]);
    expect(userTurns(f, 'a1')).toEqual([]);
    const r = await f.fleet(['broadcast', 'class:impl', '--text', 'only a1']);
    expect(r.code).toBe(0);
    expect(userTurns(f, 'a1')).toEqual(['only a1']);
    expect(userTurns(f, 'a2')).toEqual([]);
  });

  it('a selector that matches nothing: exit 1, says so, sends nothing to the others either', async () => {
    const f = await liveFleet(['a1']);
    const r1 = await f.fleet(['broadcast', 'tag:nope', '--text', 'x']);
    expect(r1.code).toBe(1);
    expect(r1.stderr).toMatch(/nothing matched; nothing was sent:\n\s+tag:nope: no agent matches tag:nope/);
    const r2 = await f.fleet(['broadcast', 'a1', 'a9', '--text', 'x']);
    expect(r2.code).toBe(1);
    expect(r2.stderr).toMatch(/some selectors matched nothing.*\n\s+a9: no agent named "a9".*did you mean a1/);
    const r3 = await f.fleet(['broadcast', 'state:sleepy', '--text', 'x']);
    expect(r3.code).toBe(1);
    expect(r3.stderr).toMatch(/unknown state "sleepy"/);
    expect(userTurns(f, 'a1')).toEqual([]);
  });

  it('the same idempotency key never creates a second run or a second delivery', async () => {
    const f = await liveFleet(['a1', 'a2']);
    const a = JSON.parse((await f.fleet(['broadcast', 'all', '--text', 'once', '--idempotency-key', 'k-1', '--json'])).stdout) as Summary;
    const b = await f.fleet(['broadcast', 'all', '--text', 'once', '--idempotency-key', 'k-1', '--json']);
    expect(b.code).toBe(0);
    const bs = JSON.parse(b.stdout) as Summary;
    expect(bs).toMatchObject({ runId: a.runId, created: false });
    expect(userTurns(f, 'a1')).toEqual(['once']);
    expect(userTurns(f, 'a2')).toEqual(['once']);
    const c = await f.fleet(['broadcast', 'all', '--text', 'other text', '--idempotency-key', 'k-1']);
    expect(c.code).toBe(2);
    expect(c.stderr).toMatch(/idempotency key "k-1" already names run 1, which sent different text/);
    expect(JSON.parse((await f.fleet(['runs', '--json'])).stdout)).toHaveLength(1);
  });

  it('defers an agent whose composer holds a draft, leaves the draft, and runs resume <id> retries it later', async () => {
    const f = await liveFleet(['a1', 'a2']);
    tmux(f.socket, 'send-keys', '-t', '=a2:', '-l', 'operator typing');
    await waitFor(() => tmux(f.socket, 'capture-pane', '-p', '-t', '=a2:').includes('operator typing'));
    const r = await f.fleet(['broadcast', 'all', '--text', 'go']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/1 delivered, 1 deferred/);
    expect(r.stdout).toMatch(/a2\s+deferred\s+the composer holds a draft/);
    expect(userTurns(f, 'a2')).toEqual([]);
    expect(tmux(f.socket, 'capture-pane', '-p', '-t', '=a2:')).toContain('operator typing');
    tmux(f.socket, 'send-keys', '-t', '=a2:', 'C-u');
    await waitFor(() => !tmux(f.socket, 'capture-pane', '-p', '-t', '=a2:').includes('operator typing'));
    const again = await f.fleet(['runs', 'resume', '1']);
    expect(again.code, again.stderr).toBe(0);
    expect(again.stdout).toMatch(/run 1 \(resumed\): 2 delivered/);
    expect(userTurns(f, 'a1')).toEqual(['go']);
    expect(userTurns(f, 'a2')).toEqual(['go']);
  });

  it('over a control-mode connection (as for many targets) delivers hostile text byte-exactly, once each', async () => {
    const names = ['a1', 'a2', 'a3'];
    const f = await liveFleet(names);
    const text = '-leading dash; "quotes" \'single\' $(x) #(y) #{z} \\ back\tslash\r\nCRLF\nnew line 🚀 日本語;';
    const g = { socket: f.socket, roster: f.roster, stateDir: f.stateDir };
    const s = await broadcast(openContext(g), { selector: ['all'], text, controlMode: true });
    expect(s.counts).toEqual({ delivered: 3 });
    for (const n of names) expect(userTurns(f, n)).toEqual([text]);
  });

  it('twelve agents at once (control mode, bounded pool): all verified', async () => {
    const names = Array.from({ length: 12 }, (_, i) => `m${i}`);
    const f = await liveFleet(names);
    const r = await f.fleet(['broadcast', 'm*', '--text', 'all hands', '--concurrency', '5', '--json']);
    expect(r.code, r.stderr).toBe(0);
    const s = JSON.parse(r.stdout) as Summary & { counts: Record<string, number> };
    expect(s.counts).toEqual({ delivered: 12 });
    for (const n of names) expect(userTurns(f, n)).toEqual(['all hands']);
  });

  it('any verb finishes a recent run whose process died; an old one is only reported, until runs resume', async () => {
    const f = await liveFleet(['a1']);
    const file = path.join(f.stateDir, 'ledger.sqlite');
    const deadOwner = { pid: 2 ** 22 + 12345, start: null }; // above pid_max: never alive
    const old = Ledger.open(file, { now: () => Date.now() - 7 * 3600_000 });
    old.createRun({ kind: 'send', text: 'old news', selector: ['a1'], targets: ['a1'] }, deadOwner);
    old.close();
    const recent = Ledger.open(file);
    recent.createRun({ kind: 'send', text: 'fresh news', selector: ['a1'], targets: ['a1'] }, deadOwner);
    recent.close();
    const ls = await f.fleet(['ls']);
    expect(ls.code).toBe(0);
    expect(ls.stderr).toMatch(/run 1 was interrupted over 6 h ago and left as it stands/);
    expect(ls.stderr).toMatch(/finished interrupted run 2: 1 delivered/);
    expect(userTurns(f, 'a1')).toEqual(['fresh news']);
    const r = await f.fleet(['runs', 'resume']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/run 1 \(resumed\): 1 delivered/);
    expect(userTurns(f, 'a1')).toEqual(['fresh news', 'old news']);
  });

  it('an injected wake that throws fails that target with the reason; a throwing onResult listener breaks nothing', async () => {
    const f = await liveFleet(['a1', 'a2'], { asleep: ['a2'] });
    const g = { socket: f.socket, roster: f.roster, stateDir: f.stateDir };
    const seen: string[] = [];
    const s = await broadcast(openContext(g), {
      selector: ['all'],
      text: 'hello',
      wake: async () => {
        throw new Error('lifecycle exploded');
      },
      onResult: (name, r) => {
        seen.push(`${name}:${r.state}`);
        throw new Error('listener bug');
      },
    });
    expect(s.counts).toEqual({ delivered: 1, failed: 1 });
    expect(s.results.find((r) => r.name === 'a2')!.reason).toMatch(/wake: lifecycle exploded/);
    expect(seen.sort()).toEqual(['a1:delivered', 'a2:failed']);
    expect(userTurns(f, 'a1')).toEqual(['hello']);
  });

  it('a tmux server that dies mid-broadcast: deliveries end failed with the reason; the run resumes to exactly once', async () => {
    const names = ['a1', 'a2', 'a3', 'a4'];
    const f = await liveFleet(names);
    /** Kills the server right before the third paste. */
    class Dying implements TmuxRunner {
      inner = new ProcessTmuxRunner(f.socket);
      pastes = 0;
      get spawned(): number {
        return this.inner.spawned;
      }
      async run(args: readonly string[], o?: RunOptions): Promise<RunResult> {
        if (args.includes('paste-buffer') && ++this.pastes === 3) await this.inner.run(['kill-server']);
        return this.inner.run(args, o);
      }
    }
    const g = { socket: f.socket, roster: f.roster, stateDir: f.stateDir };
    const s = await broadcast(openContext({ ...g, runner: new Dying() }), { selector: ['all'], text: 'survive this', concurrency: 1 });
    expect(s.ok).toBe(false);
    expect(s.counts).toEqual({ delivered: 2, failed: 2 });
    const failed = s.results.filter((r) => r.state === 'failed');
    expect(failed[0]!.reason).toMatch(/^paste: .*(no server|server exited)/);
    expect(failed[1]!.reason).toMatch(/no live session/);
    expect(tmux.bind(null, f.socket, 'has-session', '-t', '=a1')).toThrow();

    const done = await recoverRuns(openContext(g), { retryRun: s.runId! });
    expect(done).toHaveLength(1);
    expect(done[0]!.counts).toEqual({ delivered: 4 });
    for (const n of names) expect(userTurns(f, n).filter((t) => t === 'survive this')).toHaveLength(1);
    const l = Ledger.open(path.join(f.stateDir, 'ledger.sqlite'), { readonly: true });
    const types = l.events(s.runId!).map((e) => e.type);
    l.close();
    expect(types).toContain('delivery.requeued');
    expect(types.filter((t) => t === 'run.finished')).toHaveLength(2);
  });
});
