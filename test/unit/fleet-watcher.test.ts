import fs from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { AgentSpec, ScreenObs, TmuxObservation, TranscriptObs } from '../../src/domain/types.js';
import { ensureStateDir, setFlag } from '../../src/state/files.js';
import { loadRoster } from '../../src/state/roster-file.js';
import type { DataEvent } from '../../src/store/events.js';
import { createFleetWatcher, type FleetWatcher } from '../../src/watch/fleet-watcher.js';
import { createTmuxPoller } from '../../src/watch/tmux-poller.js';
import { tempDir, waitFor } from '../helpers/tmux.js';
import { NOW, pane, transcript } from '../render/fixtures.js';

function deferred<T>() {
  let resolve!: (v: T) => void;
  const promise = new Promise<T>((r) => (resolve = r));
  return { promise, resolve };
}
const up = (names: string[], activity = NOW): TmuxObservation => ({ server: 'up', at: NOW, panes: new Map(names.map((n) => [n, pane(n, { activityMs: activity })])) });

describe('tmux poller', () => {
  it('never overlaps: a poll while one is in flight is skipped', async () => {
    const gate = deferred<TmuxObservation>();
    let calls = 0;
    const seen: TmuxObservation[] = [];
    const p = createTmuxPoller({ observe: () => (calls++, gate.promise), onObservation: (o) => seen.push(o) });
    const first = p.pollNow();
    await p.pollNow();
    await p.pollNow();
    expect(calls).toBe(1);
    expect(p.skipped).toBe(2);
    gate.resolve(up(['a']));
    await first;
    expect(seen).toHaveLength(1);
  });

  it('backs off while tmux is down or throws, and returns to the interval when it answers', async () => {
    let mode: 'down' | 'throw' | 'up' = 'down';
    const seen: string[] = [];
    const p = createTmuxPoller({
      intervalMs: 100,
      maxBackoffMs: 700,
      observe: async () => {
        if (mode === 'throw') throw new Error('spawn failed');
        return mode === 'down' ? { server: 'down', at: NOW, reason: 'no server' } : up(['a']);
      },
      onObservation: (o) => seen.push(o.server === 'down' ? `down:${o.reason}` : 'up'),
    });
    await p.pollNow();
    expect(p.delayMs).toBe(200);
    await p.pollNow();
    expect(p.delayMs).toBe(400);
    mode = 'throw';
    await p.pollNow();
    await p.pollNow();
    expect(p.delayMs).toBe(700);
    mode = 'up';
    await p.pollNow();
    expect(p.delayMs).toBe(100);
    expect(seen).toEqual(['down:no server', 'down:no server', 'down:spawn failed', 'down:spawn failed', 'up']);
  });
});

describe('tmux poller with a changing interval (control mode: a slow reconcile while connected)', () => {
  it('re-reads the interval before every wait, and a poll asked for by an event re-arms the timer', async () => {
    let connected = true;
    const at: number[] = [];
    const t0 = Date.now();
    const p = createTmuxPoller({ intervalMs: () => (connected ? 60_000 : 50), observe: async () => up(['a']), onObservation: () => at.push(Date.now() - t0) });
    p.start();
    await waitFor(() => at.length === 1, { what: 'the first poll' });
    expect(p.delayMs).toBe(60_000); // connected: the next poll is a minute away
    // The connection drops: its event asks for a poll, which re-arms the timer with the new interval.
    connected = false;
    await p.pollNow();
    expect(p.delayMs).toBe(50);
    await waitFor(() => at.length >= 5, { timeoutMs: 5_000, what: 'polls every 50 ms while not connected' });
    connected = true;
    await waitFor(() => p.delayMs === 60_000, { timeoutMs: 5_000, what: 'back to the reconcile once connected' });
    const n = at.length;
    await new Promise((r) => setTimeout(r, 300));
    expect(at.length).toBe(n);
    p.stop();
  });
});

describe('fleet watcher', () => {
  let w: FleetWatcher | null = null;
  afterEach(async () => {
    await w?.stop();
    w = null;
  });

  function setup() {
    const root = tempDir();
    const rosterPath = path.join(root, 'fleet.yaml');
    fs.mkdirSync(path.join(root, 'a'));
    fs.mkdirSync(path.join(root, 'b'));
    const good = (names: string[]) =>
      `version: 1\nagents:\n${names.map((n) => `  - name: ${n}\n    runtime: shell\n    cwd: ${path.join(root, 'a')}\n`).join('')}`;
    fs.writeFileSync(rosterPath, good(['a', 'b']));
    const paths = ensureStateDir(path.join(root, 'state'));
    const events: DataEvent[] = [];
    const captures: string[] = [];
    let obs: TmuxObservation = up(['a']);
    const tmux = {
      observe: async () => obs,
      capturePane: async (name: string) => (captures.push(name), `screen of ${name}`),
    };
    return { root, rosterPath, good, paths, events, captures, tmux, setObs: (o: TmuxObservation) => (obs = o) };
  }

  it('pushes roster, files and tmux events; captures the preview pane only when it moved', async () => {
    const t = setup();
    let target: string | null = 'a';
    w = createFleetWatcher({
      sink: { push: (e) => t.events.push(e) },
      tmux: t.tmux,
      paths: t.paths,
      rosterPath: t.rosterPath,
      roster: loadRoster(t.rosterPath),
      previewTarget: () => target,
      pollMs: 60_000,
      watchFiles: false,
      transcripts: () => ({ setAgents: () => undefined, refresh: async () => undefined, stop: async () => undefined }),
    });
    w.start();
    await waitFor(() => t.events.some((e) => e.type === 'tmux'));
    expect(t.events.map((e) => e.type).slice(0, 2)).toEqual(['roster', 'files']);
    await waitFor(() => t.events.some((e) => e.type === 'preview'));
    expect(t.events.find((e) => e.type === 'preview')).toEqual({ type: 'preview', name: 'a', text: 'screen of a' });
    await w.pollNow();
    expect(t.captures).toEqual(['a']); // activity did not move: no second capture
    t.setObs(up(['a'], NOW + 5000));
    await w.pollNow();
    await waitFor(() => t.captures.length === 2);
    // a new target is captured at once from the last observation, without waiting for a poll
    t.setObs(up(['a', 'c'], NOW + 5000));
    await w.pollNow();
    target = 'c';
    w.refreshPreview();
    await waitFor(() => t.captures.includes('c'));
    target = 'b'; // asleep: no pane, an empty preview, no capture
    await w.pollNow();
    expect(t.events.at(-1)).toEqual({ type: 'preview', name: 'b', text: null });
    expect(t.captures).toHaveLength(3);
  });

  it('a bad roster edit reports the error and keeps the last good roster; a fixed one is taken (real chokidar)', async () => {
    const t = setup();
    const rosters: string[][] = [];
    w = createFleetWatcher({
      sink: { push: (e) => t.events.push(e) },
      tmux: t.tmux,
      paths: t.paths,
      rosterPath: t.rosterPath,
      roster: loadRoster(t.rosterPath),
      onRoster: (r) => rosters.push(r.agents.map((a) => a.name)),
      pollMs: 60_000,
      transcripts: () => ({ setAgents: () => undefined, refresh: async () => undefined, stop: async () => undefined }),
    });
    w.start();
    await new Promise((r) => setTimeout(r, 300)); // let chokidar get ready
    fs.writeFileSync(t.rosterPath, 'version: 1\nagents:\n  - name: Bad.Name\n    cwd: /nonexistent\n');
    const err = await waitFor(() => t.events.find((e) => e.type === 'roster-error'), { timeoutMs: 15_000, what: 'roster-error' });
    expect((err as { message: string }).message).toMatch(/fleet\.yaml/);
    expect(rosters).toEqual([]);
    fs.writeFileSync(t.rosterPath, t.good(['a', 'b', 'c']));
    await waitFor(() => rosters.length > 0, { timeoutMs: 15_000, what: 'good roster' });
    expect(rosters[0]).toEqual(['a', 'b', 'c']);
    // a stop flag written by another process shows up as a files event
    setFlag(t.paths.stopped('b'), true);
    await waitFor(
      () => t.events.some((e) => e.type === 'files' && e.files.get('b')?.stopped === true),
      { timeoutMs: 15_000, what: 'stopped flag event' },
    );
  });

  it('wires the transcript watcher and the screen checker into events', async () => {
    const t = setup();
    let agents: readonly AgentSpec[] = [];
    let onChange: ((n: string, o: TranscriptObs) => void) | null = null;
    const screens = new Map<string, ScreenObs>([['a', { at: NOW, waiting: true, draft: false }]]);
    w = createFleetWatcher({
      sink: { push: (e) => t.events.push(e) },
      tmux: t.tmux,
      paths: t.paths,
      rosterPath: t.rosterPath,
      roster: loadRoster(t.rosterPath),
      pollMs: 60_000,
      watchFiles: false,
      transcripts: (o) => {
        onChange = o.onChange;
        return { setAgents: (s) => (agents = s), refresh: async () => undefined, stop: async () => undefined };
      },
      screens: { check: async () => screens },
    });
    w.start();
    expect(agents.map((a) => a.name)).toEqual(['a', 'b']);
    onChange!('a', transcript(NOW));
    expect(t.events.at(-1)).toEqual({ type: 'transcript', name: 'a', obs: transcript(NOW) });
    await waitFor(() => t.events.some((e) => e.type === 'screens'));
    await w.stop();
    const n = t.events.length;
    onChange!('a', transcript(NOW + 1));
    expect(t.events.length).toBe(n); // nothing after stop
  });
});
