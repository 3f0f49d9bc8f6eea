import fs from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { ControlClient, SUBSCRIPTION_FORMAT, type ControlEvent } from '../../src/tmux/control.js';
import { TmuxClient } from '../../src/tmux/client.js';
import { killTestServer, tempDir, testSocket, tmux, waitFor } from '../helpers/tmux.js';
import { createFleetWatcher } from '../../src/watch/fleet-watcher.js';
import { ensureStateDir } from '../../src/state/files.js';
import { resolveStateDir } from '../../src/state/paths.js';
import { DEFAULTS } from '../../src/domain/roster.js';
import type { DataEvent } from '../../src/store/events.js';

const IDLE = 'sh -c "while :; do sleep 3600; done"';
const sockets: string[] = [];
const clients: ControlClient[] = [];
afterEach(async () => {
  while (clients.length) await clients.pop()!.close();
  while (sockets.length) killTestServer(sockets.pop()!);
});

function setup(withServer = true): { socket: string; ctl: ControlClient; events: ControlEvent[] } {
  const socket = testSocket();
  sockets.push(socket);
  if (withServer) tmux(socket, 'new-session', '-d', '-s', 'a1', IDLE);
  const ctl = new ControlClient(socket, { reconnectMinMs: 100, reconnectMaxMs: 300 });
  clients.push(ctl);
  const events: ControlEvent[] = [];
  ctl.onEvent((e) => events.push(e));
  return { socket, ctl, events };
}

describe('ControlClient (tmux -C)', () => {
  it('produces the same observation as TmuxClient.observe(), without spawning a process per call', async () => {
    const { socket, ctl } = setup();
    tmux(socket, 'new-session', '-d', '-s', 'a2', IDLE);
    expect(await ctl.connect()).toBe(true);
    const spawnedBefore = ctl.spawned;
    // Freshly started panes still change (the shell execs its command, activity ticks): retry until two
    // back-to-back observations agree; a systematic difference never would.
    const [viaCtl, viaList] = await waitFor(async () => {
      const c = await ctl.observe(1);
      const l = await new TmuxClient(socket).observe(1);
      if (c.server !== 'up' || l.server !== 'up') throw new Error('server down');
      expect(c.panes).toEqual(l.panes);
      return [c, l] as const;
    }, { what: 'agreeing observations' });
    expect(ctl.spawned).toBe(spawnedBefore);
    expect(viaCtl.server).toBe('up');
    if (viaCtl.server !== 'up' || viaList.server !== 'up') throw new Error('server down');
    expect([...viaCtl.panes.keys()].sort()).toEqual(['_ctl', 'a1', 'a2']);
    expect(viaCtl.bad).toEqual([]);
  });

  it('answers commands over the connection, byte-exact through quoting, and reports errors', async () => {
    const { ctl } = setup();
    await ctl.connect();
    const before = ctl.spawned;
    const text = `it's "q\\"x" $HOME ~ ; {a} é`;
    const r = await ctl.run(['display-message', '-p', text]);
    expect(r).toMatchObject({ exitCode: 0, stdout: `${text}\n` });
    const bad = await ctl.run(['has-session', '-t', '=nope']);
    expect(bad.exitCode).toBe(1);
    expect(bad.stderr).toMatch(/can't find session/);
    const many = await ctl.runMany([['display-message', '-p', 'one'], ['bogus-command'], ['display-message', '-p', 'three']]);
    expect(many.map((m) => [m.exitCode, m.stdout.trim()])).toEqual([[0, 'one'], [1, ''], [0, 'three']]);
    expect(ctl.spawned).toBe(before);
    // A newline cannot travel on the one-line protocol: that call falls back to a spawned client.
    const nl = await ctl.run(['display-message', '-p', 'a\nb']);
    expect(nl.stdout).toBe('a\nb\n');
    expect(ctl.spawned).toBe(before + 1);
  });

  it('carries chained commands (a ; b) with tmux semantics: stop at the first error, later calls still match', async () => {
    const { socket, ctl } = setup();
    tmux(socket, 'new-session', '-d', '-s', 'a2', IDLE);
    await ctl.connect();
    const before = ctl.spawned;
    const ok = await ctl.run(['display-message', '-p', 'one', ';', 'display-message', '-p', 'two']);
    expect(ok).toMatchObject({ exitCode: 0, stdout: 'one\ntwo\n' });
    const bad = await ctl.run(['display-message', '-p', 'one', ';', 'has-session', '-t', '=nope', ';', 'display-message', '-p', 'three']);
    expect(bad.exitCode).toBe(1);
    expect(bad.stdout).toBe('one\n');
    expect(bad.stderr).toMatch(/can't find session/);
    expect((await ctl.run(['display-message', '-p', 'after'])).stdout).toBe('after\n');
    // TmuxClient's chained bulk capture, answered by the connection, equals the spawned one.
    tmux(socket, 'send-keys', '-t', '=a2:', 'echo marker-a2', 'Enter');
    await waitFor(() => tmux(socket, 'capture-pane', '-p', '-t', '=a2:').includes('marker-a2'), { what: 'the echo on screen' });
    const spawnClient = new TmuxClient(socket);
    let attempts = 0;
    const [viaCtl, viaSpawn] = await waitFor(async () => {
      attempts++;
      const c = await new TmuxClient(socket, ctl).capturePanes(['a1', 'a2']);
      const s = await spawnClient.capturePanes(['a1', 'a2']);
      expect(c).toEqual(s);
      return [c, s] as const;
    }, { what: 'agreeing captures' });
    expect(spawnClient.runner.spawned).toBe(attempts); // ONE chained client each time, never a fallback to one per pane
    expect(viaCtl).toEqual(viaSpawn);
    expect(viaCtl.size).toBe(2);
    expect(viaCtl.get('a2')).toContain('marker-a2');
    expect(ctl.spawned).toBe(before);
  });

  it('leaves internal sessions (_ctl, _holder, a cockpit\'s own) out of the activity digest', async () => {
    const { socket, ctl } = setup();
    tmux(socket, 'new-session', '-d', '-s', '_cockpit', IDLE);
    await ctl.connect();
    const ids = (await ctl.run(['list-sessions', '-F', '#{session_name} #{session_id}'])).stdout.trim().split('\n').map((l) => l.split(' '));
    const digest = (await ctl.run(['display-message', '-p', SUBSCRIPTION_FORMAT])).stdout;
    const inDigest = ids.filter(([, id]) => digest.includes(`${id}.`)).map(([n]) => n);
    expect(inDigest).toEqual(['a1']);
  });

  it('pushes an event when a session appears', async () => {
    const { socket, ctl, events } = setup();
    await ctl.connect();
    tmux(socket, 'new-session', '-d', '-s', 'a3', IDLE);
    await waitFor(() => events.some((e) => e.kind === 'sessions'), { what: 'sessions event' });
  });

  it('pushes an activity event when a pane prints (subscription digest, sampled by tmux ≤ 1 Hz)', async () => {
    const { socket, ctl, events } = setup();
    await ctl.connect();
    // tmux sends the subscription's first value once after subscribing; after it, only changes.
    await waitFor(() => events.some((e) => e.kind === 'activity'), { what: 'initial digest', timeoutMs: 15_000 });
    events.length = 0;
    tmux(socket, 'send-keys', '-t', '=a1:', 'echo hello-activity', 'Enter');
    await waitFor(() => events.some((e) => e.kind === 'activity'), { what: 'activity event', timeoutMs: 15_000 });
  });

  it('never starts a server: with none it observes "down", then connects once one appears', async () => {
    const { socket, ctl, events } = setup(false);
    expect(await ctl.connect()).toBe(false);
    const o = await ctl.observe();
    expect(o.server).toBe('down');
    expect(() => tmux(socket, 'list-sessions')).toThrow(); // still no server
    tmux(socket, 'new-session', '-d', '-s', 'a1', IDLE);
    await waitFor(() => ctl.connected, { what: 'reconnect', timeoutMs: 15_000 });
    expect(events.some((e) => e.kind === 'connected')).toBe(true);
  });

  it('survives the server being killed: reports disconnected and down, reconnects to a new server', async () => {
    const { socket, ctl, events } = setup();
    await ctl.connect();
    killTestServer(socket);
    await waitFor(() => events.some((e) => e.kind === 'disconnected'), { what: 'disconnected event' });
    expect((await ctl.observe()).server).toBe('down');
    tmux(socket, 'new-session', '-d', '-s', 'b1', IDLE);
    await waitFor(() => ctl.connected, { what: 'reconnect', timeoutMs: 15_000 });
    const o = await ctl.observe();
    expect(o.server === 'up' && o.panes.has('b1')).toBe(true);
  });

  it('never starts a server, even when the server dies between its probe and its connect', async () => {
    const socket = testSocket();
    sockets.push(socket);
    // The probe says "the server is up" (as it would have a moment before the server died); there is none.
    const lyingProbe = { spawned: 0, run: async () => ({ stdout: '', stderr: '', exitCode: 1, timedOut: false }) };
    const ctl = new ControlClient(socket, { fallback: lyingProbe, reconnectMinMs: 10_000, reconnectMaxMs: 10_000 });
    clients.push(ctl);
    expect(await ctl.connect()).toBe(false);
    expect(() => tmux(socket, 'list-sessions')).toThrow(/no server running|error connecting/);
  });

  it('output arriving after its client exited (server killed while connecting) does not leave it "connected" to nothing', async () => {
    // Seen in CI: the server died just as the client attached; Node reported the exit, then read the
    // client's last output (its attach reply, then %exit). That late reply used to mark the connection
    // ready with no process behind it: every later command timed out and the cockpit never recovered.
    const dir = tempDir();
    const fake = path.join(dir, 'tmux');
    const late = path.join(dir, 'late-done');
    fs.writeFileSync(fake, `#!/bin/sh\n(sleep 0.3; printf '%%begin 1 1 0\\n%%end 1 1 0\\n%%exit\\n'; : > '${late}') &\nexit 0\n`, { mode: 0o755 });
    const calls: string[][] = [];
    const fallback = {
      spawned: 0,
      run: async (args: readonly string[]) => {
        calls.push([...args]);
        return { stdout: args[0] === 'display-message' ? 'via fallback\n' : '', stderr: "can't find session: _ctl", exitCode: args[0] === 'display-message' ? 0 : 1, timedOut: false };
      },
    };
    const ctl = new ControlClient(testSocket(), { tmuxBin: fake, fallback, reconnectMinMs: 60_000, reconnectMaxMs: 60_000 });
    clients.push(ctl);
    expect(await ctl.connect()).toBe(false);
    await waitFor(() => fs.existsSync(late), { what: 'the late output written' });
    // The output is in the pipe; give Node a moment to read it (we are checking that it changes nothing).
    await new Promise((r) => setTimeout(r, 200));
    expect(ctl.connected).toBe(false);
    const r = await ctl.run(['display-message', '-p', 'x'], { timeoutMs: 1_000 });
    expect(r).toMatchObject({ exitCode: 0, stdout: 'via fallback\n', timedOut: false });
    expect(calls.at(-1)?.[0]).toBe('display-message');
  });

  it('close() detaches its client and leaves the agents alone', async () => {
    const { socket, ctl } = setup();
    await ctl.connect();
    const pid = ctl.pid!;
    await ctl.close();
    expect(() => process.kill(pid, 0)).toThrow();
    expect(tmux(socket, 'list-sessions', '-F', '#{session_name}').split('\n')).toContain('a1');
    expect(tmux(socket, 'list-clients', '-F', '#{client_pid}').trim()).toBe('');
  });

  it('drives the fleet watcher: a new session reaches the store at once, not at the (slow) reconcile poll', async () => {
    const { socket, ctl } = setup();
    await ctl.connect();
    const seen: DataEvent[] = [];
    const w = createFleetWatcher({
      sink: { push: (e) => seen.push(e) },
      tmux: { observe: (t) => ctl.observe(t), capturePane: async () => '' },
      paths: ensureStateDir(resolveStateDir({ stateDir: tempDir() })),
      rosterPath: '/nonexistent/fleet.yaml',
      roster: { version: 1, path: '<test>', socket, defaults: { ...DEFAULTS, cwd: undefined }, agents: [] },
      events: ctl,
      pollMs: 120_000,
      clockMs: 120_000,
      scanMs: 120_000,
      watchFiles: false,
    });
    w.start();
    try {
      const has = (name: string) => seen.some((e) => e.type === 'tmux' && e.obs.server === 'up' && e.obs.panes.has(name));
      await waitFor(() => has('a1'), { what: 'first poll' });
      const polls = w.poller.polls;
      tmux(socket, 'new-session', '-d', '-s', 'late', IDLE);
      await waitFor(() => has('late'), { what: 'the new session through a control event', timeoutMs: 10_000 });
      expect(w.poller.polls).toBeGreaterThan(polls);
    } finally {
      await w.stop();
    }
  });
});
