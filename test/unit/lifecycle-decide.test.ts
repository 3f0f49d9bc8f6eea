import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { DEFAULTS } from '../../src/domain/roster.js';
import type { AgentFiles, AgentSpec, PaneObs, Roster, TranscriptObs, WakeRecord } from '../../src/domain/types.js';
import { decideWakeMode, insideSameServer, launchEnv, planSupervise, resetText } from '../../src/lifecycle/index.js';
import { tempDir } from '../helpers/tmux.js';

const T = (p: Partial<TranscriptObs> = {}): TranscriptObs => ({
  lastActivityMs: 1000,
  sessionFile: '/x/s.jsonl',
  resumeRef: 's',
  turnOpen: undefined,
  problem: undefined,
  ...p,
});
const none = T({ lastActivityMs: null, sessionFile: null, resumeRef: null });

describe('decideWakeMode (the seed order)', () => {
  const base = { newMark: false, requested: undefined, resumable: true, transcript: T(), runtime: 'claude' } as const;
  it.each([
    ['a /new mark wins over everything and is consumed', { ...base, newMark: true, requested: 'resume' as const }, { mode: 'fresh', consumeMark: true }],
    ['explicit fresh', { ...base, requested: 'fresh' as const }, { mode: 'fresh', consumeMark: false }],
    ['explicit resume with a transcript', { ...base, requested: 'resume' as const }, { mode: 'resume', resumeRef: 's' }],
    ['default resumes when a transcript exists', base, { mode: 'resume', resumeRef: 's' }],
    ['default is fresh without a transcript', { ...base, transcript: none }, { mode: 'fresh', resumeRef: null }],
    ['default is fresh when the runtime has no transcripts', { ...base, resumable: false, transcript: undefined }, { mode: 'fresh' }],
  ])('%s', (_what, input, want) => {
    expect(decideWakeMode(input)).toMatchObject(want);
  });

  it('explicit resume with nothing to resume fails loudly (never a silent fresh)', () => {
    const d = decideWakeMode({ ...base, requested: 'resume', transcript: none });
    expect(d).toEqual({ fail: expect.stringContaining('nothing to resume') });
    const p = decideWakeMode({ ...base, requested: 'resume', transcript: T({ sessionFile: null, resumeRef: null, problem: 'unreadable dir' }) });
    expect(p).toEqual({ fail: expect.stringContaining('unreadable dir') });
  });

  it('explicit resume of a runtime that cannot resume fails', () => {
    expect(decideWakeMode({ ...base, requested: 'resume', resumable: false, runtime: 'shell' })).toEqual({ fail: expect.stringContaining('shell cannot resume') });
  });
});

describe('resetText', () => {
  it('prefers --clear/--new, then the roster, then the runtime; null means restart', () => {
    expect(resetText('new', '/reset', '/clear')).toBe('/new');
    expect(resetText(undefined, '/reset', '/clear')).toBe('/reset');
    expect(resetText(undefined, undefined, '/clear')).toBe('/clear');
    expect(resetText(undefined, undefined, null)).toBeNull();
  });
});

describe('insideSameServer', () => {
  it('compares $TMUX\'s socket with the server\'s, through symlinks', () => {
    const d = tempDir();
    const sock = path.join(d, 'fleet');
    fs.writeFileSync(sock, '');
    fs.symlinkSync(d, path.join(d, 'link'));
    expect(insideSameServer(`${sock},123,0`, sock)).toBe(true);
    expect(insideSameServer(`${path.join(d, 'link', 'fleet')},1,2`, sock)).toBe(true);
    expect(insideSameServer(`${path.join(d, 'other')},1,2`, sock)).toBe(false);
    expect(insideSameServer(undefined, sock)).toBe(false);
    expect(insideSameServer('', sock)).toBe(false);
    expect(insideSameServer(`${sock},1,0`, null)).toBe(false);
  });
});

describe('launchEnv', () => {
  it('passes fleet\'s runtime homes so agents write where fleet reads; the roster env wins', () => {
    const spec = { env: { CODEX_HOME: '/roster/codex', FOO: 'bar' } } as unknown as AgentSpec;
    expect(launchEnv(spec, { CLAUDE_CONFIG_DIR: '/c', CODEX_HOME: '/mine', PATH: '/bin' })).toEqual({ CLAUDE_CONFIG_DIR: '/c', CODEX_HOME: '/roster/codex', FOO: 'bar' });
  });
});

// ---- planSupervise ----
const NOW = 10_000_000;
function spec(name: string, p: Partial<AgentSpec> = {}): AgentSpec {
  return { name, runtime: 'claude', cwd: '/w', class: undefined, tags: [], command: undefined, reset: undefined, kickstart: undefined, env: {}, managed: 'fleet', transcripts: undefined, idleSecs: undefined, ...p };
}
function pane(name: string, p: Partial<PaneObs> = {}): PaneObs {
  return { session: name, sessionId: '$1', paneId: '%1', pid: 10, dead: false, deadStatus: null, activityMs: NOW - 5_000_000, createdMs: 0, attached: 0, ...p };
}
const wake = (p: Partial<WakeRecord> = {}): WakeRecord => ({ wokenAt: NOW - 4_000_000, mode: 'fresh', baselineMs: null, sessionId: '$1', ...p });
const files = (p: Partial<AgentFiles> = {}): AgentFiles => ({ stopped: false, newMark: false, wake: wake(), ...p });
const roster = (agents: AgentSpec[]): Roster => ({ version: 1, path: '/r', socket: 's', defaults: { ...DEFAULTS, cwd: undefined, idleSecs: 1800, attachGraceSecs: 600 }, agents });

/** `t`: the transcript scan; null: the runtime has none. */
function plan(a: AgentSpec, p: PaneObs | undefined, f: AgentFiles, t: TranscriptObs | null = T({ lastActivityMs: NOW - 3_000_000 })) {
  return planSupervise({
    roster: roster([a]),
    panes: new Map(p ? [[a.name, p]] : []),
    files: new Map([[a.name, f]]),
    transcripts: new Map(t ? [[a.name, t]] : []),
    now: NOW,
  }).map((x) => x.action);
}

describe('planSupervise', () => {
  it('reaps a live session fleet woke that is idle past idleSecs', () => {
    expect(plan(spec('a'), pane('a'), files())).toEqual(['reap']);
  });
  it('never touches external or stopped agents', () => {
    expect(plan(spec('a', { managed: 'external' }), pane('a'), files())).toEqual([]);
    expect(plan(spec('a'), pane('a'), files({ stopped: true }))).toEqual([]);
    expect(plan(spec('a', { managed: 'external' }), undefined, files({ newMark: true }))).toEqual([]);
  });
  it('leaves sessions fleet did not wake (no record, or another session id)', () => {
    expect(plan(spec('a'), pane('a'), files({ wake: null }))).toEqual([]);
    expect(plan(spec('a'), pane('a', { sessionId: '$9' }), files())).toEqual([]);
  });
  it('leaves agents someone is attached to, or attached to within the grace period', () => {
    expect(plan(spec('a'), pane('a', { attached: 1 }), files())).toEqual([]);
    expect(plan(spec('a'), pane('a'), files({ wake: wake({ attachedAt: NOW - 60_000 }) }))).toEqual([]);
    // grace over, but the attach counts as activity too: idle is measured from it
    expect(plan(spec('a'), pane('a'), files({ wake: wake({ attachedAt: NOW - 700_000 }) }))).toEqual([]);
    expect(plan(spec('a'), pane('a'), files({ wake: wake({ attachedAt: NOW - 2_000_000 }) }))).toEqual(['reap']);
  });
  it('does not reap recent activity, an open turn, or a fresh wake', () => {
    expect(plan(spec('a'), pane('a'), files(), T({ lastActivityMs: NOW - 60_000 }))).toEqual([]);
    expect(plan(spec('a'), pane('a'), files(), T({ lastActivityMs: NOW - 3_000_000, turnOpen: true }))).toEqual([]);
    expect(plan(spec('a'), pane('a'), files({ wake: wake({ wokenAt: NOW - 1000 }) }))).toEqual([]);
  });
  it('honours the per-agent idleSecs', () => {
    expect(plan(spec('a', { idleSecs: 10_000 }), pane('a'), files())).toEqual([]);
    expect(plan(spec('a', { idleSecs: 5 }), pane('a'), files({ wake: wake({ wokenAt: NOW - 6_000 }) }), T({ lastActivityMs: NOW - 6_000 }))).toEqual(['reap']);
  });
  it('uses pane activity for runtimes without transcripts', () => {
    expect(plan(spec('a', { runtime: 'shell' }), pane('a', { activityMs: NOW - 1000 }), files(), null)).toEqual([]);
    expect(plan(spec('a', { runtime: 'shell' }), pane('a'), files(), null)).toEqual(['reap']);
  });
  it('forgets a gone session, and relaunches one that died carrying a /new mark', () => {
    expect(plan(spec('a'), undefined, files())).toEqual(['forget']);
    expect(plan(spec('a'), undefined, files({ newMark: true }))).toEqual(['relaunch']);
    expect(plan(spec('a'), pane('a', { dead: true, deadStatus: 0 }), files({ newMark: true }))).toEqual(['relaunch']);
    expect(plan(spec('a'), pane('a', { dead: true, deadStatus: 1 }), files())).toEqual([]);
    expect(plan(spec('a'), undefined, files({ wake: null, newMark: true }))).toEqual([]);
  });
});

describe('screenTail (agent screen text in reasons)', () => {
  it('keeps the last non-blank lines, sanitised to one line each, bounded', async () => {
    const { screenTail } = await import('../../src/lifecycle/common.js');
    const screen = 'boot\n\n\u001b]0;pwned\u0007error: \u001b[31mbad\u001b[0m\rthing\n\n\nPane is dead (status 3)\n';
    const t = screenTail(screen);
    expect(t).toBe('boot | error: badthing | Pane is dead (status 3)');
    expect(t).not.toMatch(/[\u0000-\u001f]/);
    expect(screenTail('x'.repeat(1000)).length).toBeLessThanOrEqual(300);
  });
});

describe('printResult (CLI line for a lifecycle result)', () => {
  it('prints success on stdout, failure on stderr with exit 1, sanitising the reason', async () => {
    const { printResult } = await import('../../src/cli/verbs/wake.js');
    const out: string[] = [];
    const err: string[] = [];
    const o = process.stdout.write.bind(process.stdout);
    const e = process.stderr.write.bind(process.stderr);
    process.stdout.write = ((s: string) => (out.push(s), true)) as typeof process.stdout.write;
    process.stderr.write = ((s: string) => (err.push(s), true)) as typeof process.stderr.write;
    try {
      expect(printResult(false, { name: 'a1', outcome: 'ready', mode: 'fresh' }, true)).toBe(0);
      expect(printResult(false, { name: 'a1', outcome: 'already-live' }, true)).toBe(0);
      expect(printResult(false, { name: 'a1', outcome: 'failed', reason: 'the agent exited: \u001b]52;c;aGk=\u0007oops' }, false)).toBe(1);
      expect(printResult(false, { name: 'a1', outcome: 'refused', reason: 'a1 is stopped — run fleet start a1' }, false)).toBe(1);
      expect(printResult(true, { name: 'a1', outcome: 'refused', reason: 'x' }, false)).toBe(1);
    } finally {
      process.stdout.write = o;
      process.stderr.write = e;
    }
    expect(out).toEqual(['a1: ready (fresh)\n', 'a1: already live\n', '{"name":"a1","outcome":"refused","reason":"x"}\n']);
    expect(err).toEqual(['fleet: a1: failed: the agent exited: oops\n', 'fleet: a1 is stopped — run fleet start a1\n', 'fleet: x\n']);
  });
});
