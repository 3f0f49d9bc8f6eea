import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { FleetContext } from '../../src/context.js';
import type { DeliveryResult } from '../../src/delivery/types.js';
import { DEFAULTS } from '../../src/domain/roster.js';
import type { RuntimeAdapter } from '../../src/domain/runtime.js';
import type { AgentSpec, TranscriptObs } from '../../src/domain/types.js';
import { reset, stop, wake, type LifecycleDeps } from '../../src/lifecycle/index.js';
import { ensureStateDir, readAgentFiles } from '../../src/state/files.js';
import { TmuxClient } from '../../src/tmux/client.js';
import { FIELD_SEP } from '../../src/tmux/parse.js';
import type { RunOptions, RunResult, TmuxRunner } from '../../src/tmux/runner.js';
import { tempDir } from '../helpers/tmux.js';

/** A simulated tmux server: sessions with a pane each; records every command. */
class FakeTmux implements TmuxRunner {
  spawned = 0;
  calls: string[][] = [];
  sessions = new Map<string, { id: string; dead: boolean; status: number | null; screen: string; command: string }>();
  failNew: string | null = null;
  /** Someone else creates the session right before our new-session. */
  raceNew = false;
  private n = 0;
  async run(args: readonly string[], _o?: RunOptions): Promise<RunResult> {
    this.spawned++;
    this.calls.push([...args]);
    const ok = (stdout = ''): RunResult => ({ stdout, stderr: '', exitCode: 0, timedOut: false });
    const fail = (stderr: string): RunResult => ({ stdout: '', stderr, exitCode: 1, timedOut: false });
    const target = (): string => (args[args.indexOf('-t') + 1] ?? '').replace(/^=/, '').replace(/:$/, '');
    switch (args[0]) {
      case 'list-panes':
        return ok(
          [...this.sessions].map(([name, s]) => [name, s.id, 0, 0, `%${s.id.slice(1)}`, 100, s.dead ? 1 : 0, s.status ?? '', 1, 1, 0].join(FIELD_SEP)).join('\n') + '\n',
        );
      case 'has-session':
        return this.sessions.has(target()) ? ok() : fail(`can't find session: ${target()}`);
      case 'new-session': {
        const name = args[args.indexOf('-s') + 1]!;
        if (this.failNew && name !== '_holder') return fail(this.failNew);
        if (this.raceNew) this.sessions.set(name, { id: '$99', dead: false, status: null, screen: 'x', command: 'other' });
        if (this.sessions.has(name)) return fail(`duplicate session: ${name}`);
        const id = `$${++this.n}`;
        const semi = args.indexOf(';');
        this.sessions.set(name, { id, dead: false, status: null, screen: 'agent ready', command: String(args[semi > 0 ? semi - 1 : args.length - 1]) });
        return ok(`${id} %${this.n}\n`);
      }
      case 'kill-session':
        return this.sessions.delete(target()) ? ok() : fail('no session');
      case 'capture-pane':
        return ok(this.sessions.get(target())?.screen ?? '');
      default:
        return ok();
    }
  }
}

interface Harness {
  ctx: FleetContext;
  tmux: FakeTmux;
  deps: Partial<LifecycleDeps>;
  delivered: string[];
  transcript: TranscriptObs;
  deliverResult: (text: string) => DeliveryResult;
  adapter: RuntimeAdapter;
}

function harness(p: Partial<AgentSpec> = {}): Harness {
  const root = tempDir();
  const cwd = path.join(root, 'w');
  fs.mkdirSync(cwd);
  const spec: AgentSpec = { name: 'a1', runtime: 'claude', cwd, class: undefined, tags: [], command: undefined, reset: undefined, kickstart: undefined, env: {}, managed: 'fleet', transcripts: undefined, idleSecs: undefined, ...p };
  const tmux = new FakeTmux();
  let clock = 1_000_000;
  const h: Harness = {
    tmux,
    delivered: [],
    transcript: { lastActivityMs: null, sessionFile: null, resumeRef: null, turnOpen: undefined, problem: undefined },
    deliverResult: () => ({ state: 'delivered', attempts: 1 }),
    ctx: {
      roster: { version: 1, path: '/r.yaml', socket: 'fleet-test-fake', defaults: { ...DEFAULTS, cwd: undefined, bootDeadlineSecs: 30 }, agents: [spec] },
      rosterPath: '/r.yaml',
      socket: 'fleet-test-fake',
      paths: ensureStateDir(path.join(root, 'state')),
      tmux: new TmuxClient('fleet-test-fake', tmux),
    },
    deps: {},
    adapter: undefined as unknown as RuntimeAdapter, // set just below
  };
  const adapter: RuntimeAdapter = {
    name: 'claude',
    launchCommand: (_s, mode, ref) => `agent --${mode}${ref ? ` ${ref}` : ''}`,
    transcriptDirs: () => [],
    scan: async () => ({ ...h.transcript }),
    resetCommand: () => '/clear',
    interruptKey: 'Escape',
    isWaiting: () => false,
    composerDraft: () => null,
    hasUserTurn: async () => true,
  };
  h.adapter = adapter;
  h.deps = {
    adapterFor: () => adapter,
    now: () => clock,
    sleep: async (ms) => {
      clock += ms;
    },
    deliver: async (_t, _s, text) => {
      h.delivered.push(text);
      const r = h.deliverResult(text);
      if (r.state === 'delivered') h.transcript = { ...h.transcript, lastActivityMs: clock, sessionFile: '/t/s1.jsonl', resumeRef: 's1' };
      return r;
    },
  };
  return h;
}

describe('wake (simulated tmux)', () => {
  it('fresh: holder first, launches in cwd, kickstart then task, record with the session id, READY when the transcript moves', async () => {
    const h = harness({ kickstart: 'KICK' });
    const r = await wake(h.ctx, 'a1', { task: 'TASK' }, h.deps);
    expect(r).toMatchObject({ outcome: 'ready', mode: 'fresh', kickstart: { state: 'delivered' }, task: { state: 'delivered' } });
    expect(h.delivered).toEqual(['KICK', 'TASK']);
    const verbs = h.tmux.calls.map((c) => c[0]);
    expect(verbs.indexOf('new-session')).toBeGreaterThan(verbs.lastIndexOf('has-session')); // ensureHolder ran before
    const ns = h.tmux.calls.find((c) => c[0] === 'new-session' && c.includes('a1'))!;
    expect(ns[ns.indexOf('-c') + 1]).toBe(h.ctx.roster.agents[0]!.cwd);
    expect(h.tmux.sessions.get('a1')?.command).toBe('agent --fresh');
    expect(readAgentFiles(h.ctx.paths, 'a1').wake).toMatchObject({ mode: 'fresh', baselineMs: null, sessionId: '$2', lastTask: 'TASK' });
  });

  it('resume by default passes the resume ref; no kickstart on resume', async () => {
    const h = harness({ kickstart: 'KICK' });
    h.transcript = { ...h.transcript, lastActivityMs: 5, sessionFile: '/t/old.jsonl', resumeRef: 'old' };
    h.deps.sleep = async () => {
      h.transcript = { ...h.transcript, lastActivityMs: Date.now() + 10 ** 9 };
    };
    const r = await wake(h.ctx, 'a1', {}, h.deps);
    expect(r).toMatchObject({ outcome: 'ready', mode: 'resume' });
    expect(h.tmux.sessions.get('a1')?.command).toBe('agent --resume old');
    expect(h.delivered).toEqual([]);
    expect(readAgentFiles(h.ctx.paths, 'a1').wake?.baselineMs).toBe(5);
  });

  it('keeps the /new mark when the launch fails; consumes it once a session starts', async () => {
    const h = harness();
    h.transcript = { ...h.transcript, lastActivityMs: 5, sessionFile: '/t/old.jsonl', resumeRef: 'old' };
    fs.writeFileSync(h.ctx.paths.newMark('a1'), 'x');
    h.tmux.failNew = 'boom';
    const r = await wake(h.ctx, 'a1', {}, h.deps);
    expect(r).toMatchObject({ outcome: 'failed', reason: expect.stringContaining('boom') });
    expect(readAgentFiles(h.ctx.paths, 'a1').newMark).toBe(true);
    h.tmux.failNew = null;
    const again = await wake(h.ctx, 'a1', { waitReady: false }, h.deps);
    expect(again).toMatchObject({ outcome: 'ready', mode: 'fresh' });
    expect(h.tmux.sessions.get('a1')?.command).toBe('agent --fresh');
    expect(readAgentFiles(h.ctx.paths, 'a1').newMark).toBe(false);
  });

  it('a holder that cannot be created is a failed wake, not an exception', async () => {
    const h = harness();
    h.tmux.run = async function (args) {
      this.calls.push([...args]);
      if (args[0] === 'new-session') return { stdout: '', stderr: 'server exited unexpectedly', exitCode: 1, timedOut: false };
      return { stdout: '', stderr: args[0] === 'list-panes' || args[0] === 'has-session' ? 'no server running on /tmp/x' : '', exitCode: 1, timedOut: false };
    };
    expect(await wake(h.ctx, 'a1', {}, h.deps)).toMatchObject({ outcome: 'failed', reason: expect.stringContaining('cannot create holder session: server exited unexpectedly') });
  });

  it('a kickstart that is not delivered fails the wake, skips the task and leaves the session', async () => {
    const h = harness({ kickstart: 'KICK' });
    h.deliverResult = () => ({ state: 'deferred', attempts: 0, reason: 'the composer holds a draft' });
    const r = await wake(h.ctx, 'a1', { task: 'TASK' }, h.deps);
    expect(r).toMatchObject({ outcome: 'failed', reason: 'kickstart not delivered: deferred (the composer holds a draft)' });
    expect(h.delivered).toEqual(['KICK']);
    expect(h.tmux.sessions.has('a1')).toBe(true);
  });

  it('FAILED at the boot deadline when the transcript never moves and no composer shows (session kept)', async () => {
    const h = harness();
    h.adapter.composerVisible = () => false;
    const r = await wake(h.ctx, 'a1', {}, h.deps);
    expect(r).toMatchObject({ outcome: 'failed', reason: expect.stringContaining('boot deadline (30s)') });
    expect(h.tmux.sessions.has('a1')).toBe(true);
  });

  it('nothing sent: READY once the pane settles showing the composer, recorded as readyAt (ends booting)', async () => {
    const h = harness();
    h.adapter.composerVisible = () => true;
    const r = await wake(h.ctx, 'a1', {}, h.deps);
    expect(r).toMatchObject({ outcome: 'ready', mode: 'fresh' });
    expect(readAgentFiles(h.ctx.paths, 'a1').wake?.readyAt).toEqual(expect.any(Number));
  });

  it('replaces a dead pane; a session created by someone else meanwhile counts as already live', async () => {
    const h = harness();
    h.tmux.sessions.set('a1', { id: '$7', dead: true, status: 1, screen: '', command: 'old' });
    const r = await wake(h.ctx, 'a1', { waitReady: false }, h.deps);
    expect(r.outcome).toBe('ready');
    expect(h.tmux.sessions.get('a1')?.id).not.toBe('$7');

    const h2 = harness();
    h2.tmux.raceNew = true;
    expect(await wake(h2.ctx, 'a1', {}, h2.deps)).toEqual({ name: 'a1', outcome: 'already-live' });
  });

  it('a live agent: no launch, the task alone is delivered; an undelivered task fails', async () => {
    const h = harness({ kickstart: 'KICK' });
    h.tmux.sessions.set('a1', { id: '$3', dead: false, status: null, screen: '', command: 'x' });
    expect(await wake(h.ctx, 'a1', { task: 'T1' }, h.deps)).toMatchObject({ outcome: 'already-live', task: { state: 'delivered' } });
    expect(h.delivered).toEqual(['T1']);
    h.deliverResult = () => ({ state: 'failed', attempts: 1, reason: 'paste: x' });
    expect(await wake(h.ctx, 'a1', { task: 'T2' }, h.deps)).toMatchObject({ outcome: 'failed', reason: expect.stringContaining('task was not delivered: failed') });
    expect(h.tmux.calls.some((c) => c[0] === 'new-session' && c.includes('a1'))).toBe(false);
  });

  it('stop then wake: refused with the stop message and no tmux launch', async () => {
    const h = harness();
    expect(await stop(h.ctx, 'a1')).toEqual({ name: 'a1', outcome: 'stopped', killed: false });
    expect(await wake(h.ctx, 'a1', {}, h.deps)).toEqual({ name: 'a1', outcome: 'refused', stopped: true, reason: 'a1 is stopped — run fleet start a1' });
    expect(h.tmux.calls.some((c) => c[0] === 'new-session')).toBe(false);
  });
});

describe('reset (simulated tmux)', () => {
  it('refuses to type over an operator\'s draft', async () => {
    const h = harness();
    h.tmux.sessions.set('a1', { id: '$3', dead: false, status: null, screen: '', command: 'x' });
    const adapter = h.deps.adapterFor!('claude')!;
    h.deps.adapterFor = () => ({ ...adapter, composerDraft: () => 'half typed' });
    const r = await reset(h.ctx, 'a1', {}, h.deps);
    expect(r).toMatchObject({ outcome: 'refused', reason: expect.stringContaining('composer holds a draft') });
    expect(h.tmux.calls.some((c) => c[0] === 'send-keys')).toBe(false);
  });
});
