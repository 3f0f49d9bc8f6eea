import React from 'react';
import { render } from 'ink-testing-library';
import { App } from '../../components/App.js';
import { createActions, type AgentOps, type DeliveryResultLike, type OpResult } from '../../src/actions.js';
import { DEFAULTS } from '../../src/domain/roster.js';
import type { AgentSpec, PaneObs, Roster, TranscriptObs } from '../../src/domain/types.js';
import { createFleetStore, initialState, type FleetStore } from '../../src/store/index.js';

export const NOW = Date.parse('2026-11-21T10:00:00Z');

export function spec(name: string, extra: Partial<AgentSpec> = {}): AgentSpec {
  return {
    name,
    runtime: 'claude',
    cwd: `/home/op/src/${name}`,
    class: undefined,
    tags: [],
    command: undefined,
    reset: undefined,
    kickstart: undefined,
    env: {},
    managed: 'fleet',
    transcripts: undefined,
    idleSecs: undefined,
    ...extra,
  };
}

export function roster(agents: AgentSpec[]): Roster {
  return { version: 1, path: '/tmp/fleet.yaml', socket: 'fleet-test', defaults: { ...DEFAULTS, cwd: undefined }, agents };
}

export function pane(session: string, extra: Partial<PaneObs> = {}): PaneObs {
  return {
    session,
    sessionId: `$${session.length}`,
    paneId: `%${session.length}`,
    pid: 1000 + session.length,
    dead: false,
    deadStatus: null,
    activityMs: NOW - 120_000,
    createdMs: NOW - 3_600_000,
    attached: 0,
    ...extra,
  };
}

export function transcript(lastActivityMs: number | null): TranscriptObs {
  return { lastActivityMs, sessionFile: lastActivityMs ? '/x.jsonl' : null, resumeRef: null, turnOpen: undefined, problem: undefined };
}

/** A store with the given roster; `live` agents have panes, `busy` ones wrote their transcript just now. */
export function makeStore(
  agents: AgentSpec[],
  o: { live?: string[]; busy?: string[]; cols?: number; rows?: number; readOnly?: boolean } = {},
): FleetStore {
  const store = createFleetStore(
    initialState({ socket: 'fleet-test', home: '/home/op', now: NOW, cols: o.cols ?? 100, rows: o.rows ?? 30, readOnly: o.readOnly ?? false }),
    { batchMs: 5 },
  );
  const panes = new Map((o.live ?? []).map((n) => [n, pane(n)]));
  store.dispatch(
    { type: 'roster', roster: roster(agents) },
    { type: 'tmux', obs: { server: 'up', at: NOW, panes } },
    ...(o.busy ?? []).map((n) => ({ type: 'transcript' as const, name: n, obs: transcript(NOW - 1000) })),
    ...(o.live ?? []).filter((n) => !(o.busy ?? []).includes(n)).map((n) => ({ type: 'transcript' as const, name: n, obs: transcript(NOW - 300_000) })),
  );
  return store;
}

export interface FakeOps extends AgentOps {
  calls: string[];
  results: Map<string, DeliveryResultLike>;
  fail: Set<string>;
  quitCalled: number;
}

/** A hand-written fake of the lifecycle and delivery core: records calls, answers from tables. */
export function fakeOps(store: () => FleetStore): FakeOps {
  const calls: string[] = [];
  const results = new Map<string, DeliveryResultLike>();
  const fail = new Set<string>();
  const op = (verb: string) => async (name: string): Promise<OpResult> => {
    calls.push(`${verb} ${name}`);
    if (fail.has(name)) return { name, outcome: 'failed', reason: `${verb} broke \u001b]52;c;ZXZpbA==\u0007on purpose` };
    return { name, outcome: verb === 'wake' ? 'ready' : 'done' };
  };
  const ops: FakeOps = {
    calls,
    results,
    fail,
    quitCalled: 0,
    wake: op('wake'),
    reset: op('reset'),
    stop: op('stop'),
    start: op('start'),
    async attach(name) {
      calls.push(`attach ${name}`);
      if (fail.has(name)) throw new Error('no such session');
    },
    async broadcast({ names, text, onResult }) {
      calls.push(`broadcast ${names.join(',')} ${JSON.stringify(text)}`);
      for (const n of names) {
        await new Promise((r) => setTimeout(r, 1));
        onResult(n, results.get(n) ?? { state: 'delivered' });
      }
      return { runId: 'run-1' };
    },
    resolveSelectors(selectors, marked) {
      const s = store().getState();
      const names = new Set<string>();
      const unknown: string[] = [];
      for (const sel of selectors) {
        const before = names.size;
        const add = (n: string) => names.add(n);
        if (sel === 'all') s.order.forEach(add);
        else if (sel === '@marked') marked.forEach(add);
        else if (sel.startsWith('class:')) s.order.filter((n) => s.rowMap.get(n)?.class === sel.slice(6)).forEach(add);
        else if (sel.startsWith('tag:')) s.order.filter((n) => s.rowMap.get(n)?.tags.includes(sel.slice(4))).forEach(add);
        else if (sel.startsWith('state:')) s.order.filter((n) => s.rowMap.get(n)?.state === sel.slice(6)).forEach(add);
        else if (s.rowMap.has(sel)) add(sel);
        if (names.size === before) unknown.push(sel);
      }
      return { names: [...names], unknown };
    },
    quit() {
      ops.quitCalled++;
    },
  };
  return ops;
}

export const tick = (ms = 20): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Renders the App with an injected store and fake ops. */
export function mount(store: FleetStore) {
  const ops = fakeOps(() => store);
  const actions = createActions(store, ops, () => NOW);
  const r = render(<App store={store} actions={actions} />);
  const keys = async (...seq: string[]): Promise<void> => {
    for (const k of seq) {
      r.stdin.write(k);
      await tick();
    }
  };
  return { ...r, ops, actions, store, keys, frame: () => strip(r.lastFrame() ?? '') };
}

export const strip = (s: string): string => s.replace(/\u001b\[[0-9;]*m/g, '');

export const KEY = {
  up: '\u001b[A',
  down: '\u001b[B',
  pageUp: '\u001b[5~',
  pageDown: '\u001b[6~',
  enter: '\r',
  esc: '\u001b',
  tab: '\t',
  backspace: '\u007f',
  ctrlJ: '\n',
  ctrlC: '\u0003',
};
