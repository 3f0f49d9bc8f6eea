import { describe, expect, it } from 'vitest';
import { deriveState } from '../../src/domain/derive.js';
import { DEFAULTS } from '../../src/domain/roster.js';
import type { AgentFiles, AgentSpec, AgentState, DeriveInput, PaneObs, ScreenObs, TranscriptObs } from '../../src/domain/types.js';

const NOW = 1_000_000_000;
const S = 1000;
const defaults = { ...DEFAULTS, cwd: undefined, busyWindowSecs: 8, bootDeadlineSecs: 60 };

const spec = (o: Partial<AgentSpec> = {}): AgentSpec => ({
  name: 'a', runtime: 'claude', cwd: '/w', class: undefined, tags: [], command: undefined, reset: undefined,
  kickstart: undefined, env: {}, managed: 'fleet', transcripts: undefined, idleSecs: undefined, ...o,
});
const pane = (o: Partial<PaneObs> = {}): PaneObs => ({
  session: 'a', sessionId: '$1', paneId: '%1', pid: 42, dead: false, deadStatus: null,
  activityMs: NOW - 600 * S, createdMs: NOW - 3600 * S, attached: 0, ...o,
});
const tr = (o: Partial<TranscriptObs> = {}): TranscriptObs => ({
  lastActivityMs: NOW - 300 * S, sessionFile: '/f.jsonl', resumeRef: 'f', turnOpen: undefined, problem: undefined, ...o,
});
const files = (o: Partial<AgentFiles> = {}): AgentFiles => ({ stopped: false, newMark: false, wake: null, ...o });
const screen = (o: Partial<ScreenObs> = {}): ScreenObs => ({ at: NOW - 1 * S, waiting: true, draft: false, ...o });

interface Row {
  why: string;
  input: Partial<DeriveInput>;
  state: AgentState;
  since?: number | null;
}

const wokeNow = { wokenAt: NOW - 5 * S, mode: 'fresh' as const, baselineMs: null, sessionId: '$1' };

const TABLE: Row[] = [
  // stopped beats everything
  { why: 'stop flag, live and busy', input: { files: files({ stopped: true }), transcript: tr({ lastActivityMs: NOW - S, turnOpen: true }) }, state: 'stopped' },
  { why: 'stop flag beats external', input: { files: files({ stopped: true }), spec: spec({ managed: 'external' }) }, state: 'stopped' },
  { why: 'stop flag, no session', input: { files: files({ stopped: true }), pane: undefined }, state: 'stopped' },
  // external beats liveness
  { why: 'external, live', input: { spec: spec({ managed: 'external' }) }, state: 'external' },
  { why: 'external, no session', input: { spec: spec({ managed: 'external' }), pane: undefined }, state: 'external' },
  // asleep
  { why: 'no session', input: { pane: undefined }, state: 'asleep' },
  { why: 'server down (pane stale)', input: { serverUp: false }, state: 'asleep' },
  { why: 'no session even with fresh transcript', input: { pane: undefined, transcript: tr({ lastActivityMs: NOW - S }) }, state: 'asleep' },
  // dead beats booting/waiting/busy
  { why: 'pane dead', input: { pane: pane({ dead: true, deadStatus: 3 }) }, state: 'dead' },
  { why: 'pane dead while booting', input: { pane: pane({ dead: true }), files: files({ wake: wokeNow }) }, state: 'dead' },
  { why: 'pane dead with waiting screen', input: { pane: pane({ dead: true }), screen: screen() }, state: 'dead' },
  // booting
  { why: 'woken 5 s ago, no transcript yet', input: { files: files({ wake: wokeNow }), transcript: tr({ lastActivityMs: null }) }, state: 'booting', since: NOW - 5 * S },
  { why: 'woken, transcript not past baseline', input: { files: files({ wake: { ...wokeNow, baselineMs: NOW - 300 * S } }) }, state: 'booting' },
  { why: 'booting beats a waiting screen', input: { files: files({ wake: wokeNow }), transcript: tr({ lastActivityMs: null }), screen: screen() }, state: 'booting' },
  { why: 'woken and transcript moved: ready', input: { files: files({ wake: wokeNow }), transcript: tr({ lastActivityMs: NOW - 2 * S, turnOpen: false }) }, state: 'idle' },
  { why: 'woken past the boot deadline: judged normally', input: { files: files({ wake: { ...wokeNow, wokenAt: NOW - 120 * S } }), transcript: tr({ lastActivityMs: null }) }, state: 'idle' },
  { why: 'wake record of an older session is not ours', input: { files: files({ wake: { ...wokeNow, sessionId: '$0' } }), transcript: tr({ lastActivityMs: null }) }, state: 'idle' },
  { why: 'shell agents never boot', input: { spec: spec({ runtime: 'shell' }), files: files({ wake: wokeNow }), transcript: undefined }, state: 'idle' },
  // waiting
  { why: 'screen shows a question after the last output', input: { screen: screen() }, state: 'waiting', since: NOW - S },
  { why: 'waiting beats busy (turn open)', input: { screen: screen(), transcript: tr({ lastActivityMs: NOW - 2 * S, turnOpen: true }) }, state: 'waiting' },
  { why: 'waiting beats a recent transcript write', input: { screen: screen(), transcript: tr({ lastActivityMs: NOW - 2 * S }) }, state: 'waiting' },
  { why: 'stale screen (taken before the last output) is ignored', input: { screen: screen({ at: NOW - 700 * S }) }, state: 'idle' },
  { why: 'screen taken in the same second as the output is not trusted yet', input: { pane: pane({ activityMs: NOW - 2 * S }), screen: screen({ at: NOW - 2 * S + 500 }), transcript: tr({ turnOpen: false }) }, state: 'idle' },
  { why: 'screen without a question', input: { screen: screen({ waiting: false }) }, state: 'idle' },
  // busy
  { why: 'turn open (codex markers), old file', input: { transcript: tr({ lastActivityMs: NOW - 3000 * S, turnOpen: true }) }, state: 'busy' },
  { why: 'transcript written inside the busy window', input: { transcript: tr({ lastActivityMs: NOW - 3 * S }) }, state: 'busy' },
  { why: 'no markers, pane output moving (long tool call)', input: { pane: pane({ activityMs: NOW - 2 * S }) }, state: 'busy' },
  { why: 'shell agent with moving output', input: { spec: spec({ runtime: 'shell' }), transcript: undefined, pane: pane({ activityMs: NOW - 2 * S }) }, state: 'busy' },
  // idle
  { why: 'nothing moved for a while', input: {}, state: 'idle', since: NOW - 300 * S + 8 * S },
  { why: 'turn closed by markers beats a fresh write', input: { transcript: tr({ lastActivityMs: NOW - S, turnOpen: false }) }, state: 'idle', since: NOW - S },
  { why: 'turn closed beats moving pane output', input: { pane: pane({ activityMs: NOW - S }), transcript: tr({ lastActivityMs: NOW - 30 * S, turnOpen: false }) }, state: 'idle' },
  { why: 'just outside the busy window', input: { transcript: tr({ lastActivityMs: NOW - 8 * S }) }, state: 'idle', since: NOW },
  { why: 'no transcript at all, quiet pane', input: { transcript: tr({ lastActivityMs: null, sessionFile: null }) }, state: 'idle' },
  { why: 'a runtime with no adapter (no transcript obs)', input: { transcript: undefined }, state: 'idle' },
  { why: 'shell agent, quiet pane', input: { spec: spec({ runtime: 'shell' }), transcript: undefined }, state: 'idle' },
];

function input(o: Partial<DeriveInput>): DeriveInput {
  return {
    spec: spec(), defaults, pane: 'pane' in o ? o.pane : pane(), serverUp: true, transcript: 'transcript' in o ? o.transcript : tr(),
    screen: undefined, files: files(), now: NOW, ...o,
  };
}

describe('deriveState', () => {
  it.each(TABLE)('$why → $state', (row) => {
    const d = deriveState(input(row.input));
    expect(d.state).toBe(row.state);
    if (row.since !== undefined) expect(d.since).toBe(row.since);
  });

  it('covers every state except stray (decided by the caller)', () => {
    const covered = new Set(TABLE.map((r) => r.state));
    for (const s of ['stopped', 'external', 'asleep', 'booting', 'busy', 'waiting', 'idle', 'dead'] as const) expect(covered.has(s), s).toBe(true);
  });

  it('busy window comes from the roster defaults', () => {
    const i = input({ transcript: tr({ lastActivityMs: NOW - 3 * S }) });
    expect(deriveState({ ...i, defaults: { ...defaults, busyWindowSecs: 2 } }).state).toBe('idle');
    expect(deriveState({ ...i, defaults: { ...defaults, busyWindowSecs: 4 } }).state).toBe('busy');
  });

  it('boot deadline comes from the roster defaults', () => {
    const i = input({ files: files({ wake: { ...wokeNow, wokenAt: NOW - 20 * S } }), transcript: tr({ lastActivityMs: null }) });
    expect(deriveState({ ...i, defaults: { ...defaults, bootDeadlineSecs: 30 } }).state).toBe('booting');
    expect(deriveState({ ...i, defaults: { ...defaults, bootDeadlineSecs: 10 } }).state).toBe('idle');
  });

  it('last activity: transcript for agents, pane for shell agents', () => {
    expect(deriveState(input({})).lastActivityMs).toBe(NOW - 300 * S);
    expect(deriveState(input({ spec: spec({ runtime: 'shell' }), transcript: undefined })).lastActivityMs).toBe(NOW - 600 * S);
  });
});
