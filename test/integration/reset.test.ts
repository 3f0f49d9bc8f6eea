import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { makeTestFleet, standinAgents, transcriptFiles, transcriptRecords, userTurns } from '../helpers/fleet-env.js';
import { STANDIN, tmux, waitFor } from '../helpers/tmux.js';

const transcripts = transcriptFiles;
const records = transcriptRecords;

describe('fleet reset', () => {
  it('resets in place: a new transcript file appears and the kickstart is delivered into it', async () => {
    const f = makeTestFleet();
    f.writeRoster(`version: 1\nagents:\n${standinAgents(f, ['a1'], '    kickstart: "kick off"\n')}`);
    expect((await f.fleet(['wake', 'a1'])).code).toBe(0);
    const [old] = transcripts(f, 'a1');
    const pid = tmux(f.socket, 'display-message', '-p', '-t', '=a1:', '#{pane_pid}').trim();

    const r = await f.fleet(['reset', 'a1', '--json']);
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ name: 'a1', outcome: 'reset', kickstart: { state: 'delivered' } });
    const now = transcripts(f, 'a1');
    expect(now).toHaveLength(2);
    const fresh = now.find((x) => x !== old)!;
    expect(userTurns(fresh)).toEqual(['kick off']);
    // in place: the same process kept running
    expect(tmux(f.socket, 'display-message', '-p', '-t', '=a1:', '#{pane_pid}').trim()).toBe(pid);
  });

  it('interrupts a busy agent first', async () => {
    const f = makeTestFleet();
    f.writeRoster(`version: 1\nagents:\n  - name: a1\n    runtime: claude\n    cwd: ${f.cwd('a1')}\n    command: node ${STANDIN} --work-ms 60000\n`);
    expect((await f.fleet(['wake', 'a1', '--task', 'long job'])).code).toBe(0);
    const r = await f.fleet(['reset', 'a1', '--clear', '--json']);
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ outcome: 'reset', interrupted: true });
    const all = transcripts(f, 'a1').flatMap(records);
    expect(all.some((x) => x.subtype === 'interrupted')).toBe(true);
  });

  it('never types into a question the agent is asking (its Enter would answer it): refused', async () => {
    const f = makeTestFleet();
    f.writeRoster(`version: 1\nagents:\n  - name: a1\n    runtime: claude\n    cwd: ${f.cwd('a1')}\n    command: node ${STANDIN} --ask "Delete everything?"\n`);
    expect((await f.fleet(['wake', 'a1'])).code).toBe(0);
    await waitFor(() => tmux(f.socket, 'capture-pane', '-p', '-t', '=a1:').includes('Do you want to proceed?'), { what: 'question on screen' });
    const r = await f.fleet(['reset', 'a1', '--json']);
    expect(r.code).toBe(1);
    expect(JSON.parse(r.stdout)).toMatchObject({ outcome: 'refused', reason: expect.stringContaining('asking the operator a question') });
    expect(transcripts(f, 'a1')).toHaveLength(1);
    expect(userTurns(transcripts(f, 'a1')[0]!)).toEqual([]);
  });

  it('restarts fresh when the runtime cannot reset in place (shell)', async () => {
    const f = makeTestFleet();
    const cwd = f.cwd('sh1');
    f.writeRoster(`version: 1\nagents:\n  - name: sh1\n    runtime: shell\n    cwd: ${cwd}\n    command: echo started >> starts.txt; exec cat\n`);
    expect((await f.fleet(['wake', 'sh1'])).code).toBe(0);
    const pid = tmux(f.socket, 'display-message', '-p', '-t', '=sh1:', '#{pane_pid}').trim();
    const r = await f.fleet(['reset', 'sh1', '--json']);
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ outcome: 'restarted', reason: expect.stringContaining('cannot reset in place') });
    await waitFor(() => fs.readFileSync(path.join(cwd, 'starts.txt'), 'utf8').split('\n').filter(Boolean).length === 2, { what: 'second start' });
    expect(tmux(f.socket, 'display-message', '-p', '-t', '=sh1:', '#{pane_pid}').trim()).not.toBe(pid);
    expect(fs.existsSync(path.join(f.stateDir, 'agents', 'sh1.new'))).toBe(false);
  });

  it('falls back to a fresh restart when the reset cannot be verified', async () => {
    const f = makeTestFleet();
    // `reset: /work 1` is a task to the stand-in, not a reset: no new session file appears
    f.writeRoster(`version: 1\nagents:\n${standinAgents(f, ['a1'], '    reset: "/work 1"\n')}`);
    expect((await f.fleet(['wake', 'a1'])).code).toBe(0);
    // shorten the verification through the lifecycle call itself (the CLI uses 15 s)
    const { openContext } = await import('../../src/context.js');
    const { reset } = await import('../../src/lifecycle/index.js');
    const saved = { ...process.env };
    Object.assign(process.env, f.env);
    try {
      const ctx = openContext({});
      const r = await reset(ctx, 'a1', { verifyTimeoutMs: 1500 });
      expect(r).toMatchObject({ outcome: 'restarted', reason: expect.stringContaining('was not confirmed') });
      expect(r.wake).toMatchObject({ outcome: 'ready', mode: 'fresh' });
    } finally {
      for (const k of Object.keys(f.env)) if (!(k in saved)) delete process.env[k];
      Object.assign(process.env, saved);
    }
    expect(transcripts(f, 'a1')).toHaveLength(2);
  });

  it('refuses stopped and external agents; wakes an asleep one fresh', async () => {
    const f = makeTestFleet();
    f.writeRoster(`version: 1\nagents:\n${standinAgents(f, ['a1', 'a2'])}${standinAgents(f, ['ext1'], '    managed: external\n')}`);
    expect((await f.fleet(['stop', 'a1'])).code).toBe(0);
    const s = await f.fleet(['reset', 'a1']);
    expect(s.code).toBe(1);
    expect(s.stderr).toContain('a1 is stopped — run fleet start a1');
    const e = await f.fleet(['reset', 'ext1']);
    expect(e.code).toBe(1);
    expect(e.stderr).toMatch(/managed externally/);
    const w = await f.fleet(['reset', 'a2', '--json']);
    expect(w.code, w.stderr).toBe(0);
    expect(JSON.parse(w.stdout)).toMatchObject({ outcome: 'woken-fresh', wake: { mode: 'fresh' } });
    expect((await f.fleet(['reset', 'a2', '--clear', '--new'])).code).toBe(2);
  });
});
