import fs from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { AgentSpec, TranscriptObs } from '../../src/domain/types.js';
import { claudeProjectDir } from '../../src/runtimes/claude-paths.js';
import { createTranscriptWatcher, type TranscriptWatcher } from '../../src/watch/transcripts.js';
import { makeTestFleet } from '../helpers/fleet-env.js';
import { tempDir, tmux, waitFor } from '../helpers/tmux.js';

const rec = (o: unknown): string => JSON.stringify(o) + '\n';
function spec(name: string, cwd: string, over: Partial<AgentSpec> = {}): AgentSpec {
  return {
    name, runtime: 'claude', cwd, class: undefined, tags: [], command: undefined, reset: undefined,
    kickstart: undefined, env: {}, managed: 'fleet', transcripts: undefined, idleSecs: undefined, ...over,
  };
}

let live: TranscriptWatcher[] = [];
afterEach(async () => {
  await Promise.all(live.map((w) => w.stop()));
  live = [];
});

function start(baseEnv: NodeJS.ProcessEnv): { w: TranscriptWatcher; seen: Map<string, TranscriptObs>; calls: () => number } {
  const seen = new Map<string, TranscriptObs>();
  let n = 0;
  const w = createTranscriptWatcher({
    baseEnv,
    rescanMs: 0, // prove the events do the work, not the safety rescan
    onChange: (name, o) => {
      n++;
      seen.set(name, o);
    },
  });
  live.push(w);
  return { w, seen, calls: () => n };
}

describe('transcript watcher (real fs.watch, real files)', () => {
  it("an agent's roster env overrides the same key in fleet's own environment (CLAUDE_CONFIG_DIR in both)", async () => {
    const root = tempDir();
    const cwd = path.join(root, 'proj');
    fs.mkdirSync(cwd);
    const mine = path.join(root, 'agent-claude');
    const env = { ...process.env, CLAUDE_CONFIG_DIR: path.join(root, 'fleet-claude') };
    const dir = claudeProjectDir(cwd, { CLAUDE_CONFIG_DIR: mine });
    fs.mkdirSync(dir, { recursive: true });
    const s1 = path.join(dir, 'sess-1.jsonl');
    fs.writeFileSync(s1, rec({ type: 'user', message: { content: 'task' } }));
    const { w, seen } = start(env);
    w.setAgents([spec('a1', cwd, { env: { CLAUDE_CONFIG_DIR: mine } }), spec('a2', cwd)]);
    await waitFor(() => seen.get('a1')?.sessionFile === s1, { what: "a1's transcript under its own CLAUDE_CONFIG_DIR" });
    await waitFor(() => seen.has('a2'), { what: 'a2 scanned' });
    expect(seen.get('a2')?.sessionFile).toBeNull(); // a2 uses fleet's CLAUDE_CONFIG_DIR, where nothing is
  });

  it('the background rescan repairs what no event reported: quick checks skip the unchanged, see the session file move', async () => {
    const root = tempDir();
    const cwd = path.join(root, 'proj');
    fs.mkdirSync(cwd);
    const env = { ...process.env, CLAUDE_CONFIG_DIR: path.join(root, 'claude') };
    const dir = claudeProjectDir(cwd, env);
    fs.mkdirSync(dir, { recursive: true });
    const s1 = path.join(dir, 'sess-1.jsonl');
    fs.writeFileSync(s1, rec({ type: 'user', message: { content: 'task' } }) + rec({ type: 'assistant', message: { content: [], stop_reason: 'end_turn' } }));
    const past = new Date(Date.now() - 3600_000);
    fs.utimesSync(s1, past, past); // an old, settled file: the quick check has a baseline at once
    // No file-system events at all (watch: false): only the rescan can see anything.
    const seen = new Map<string, TranscriptObs>();
    let changes = 0;
    const w = createTranscriptWatcher({ baseEnv: env, rescanMs: 200, watch: false, onChange: (name, o) => { changes++; seen.set(name, o); } });
    live.push(w);
    w.setAgents([spec('a1', cwd)]);
    await waitFor(() => seen.get('a1')?.turnOpen === false, { what: 'initial scan' });
    const before = seen.get('a1')!.lastActivityMs;
    // Unchanged over several rescan visits: nothing reported.
    await new Promise((r) => setTimeout(r, 1000));
    expect(changes).toBe(1);
    // A write: the next quick check sees the session file's size and mtime move, and scans.
    fs.appendFileSync(s1, rec({ type: 'user', message: { content: 'missed by events' } }));
    await waitFor(() => seen.get('a1')?.turnOpen === undefined, { timeoutMs: 10_000, what: 'rescan saw the write' });
    expect(seen.get('a1')!.lastActivityMs).toBeGreaterThan(before ?? 0);
    // A new session file (a reset): the dir's signature moves, the full scan picks the new file.
    const s2 = path.join(dir, 'sess-2.jsonl');
    fs.writeFileSync(s2, rec({ type: 'system', subtype: 'session_start' }));
    await waitFor(() => seen.get('a1')?.sessionFile === s2, { timeoutMs: 10_000, what: 'rescan saw the new session file' });
    expect(seen.get('a1')?.resumeRef).toBe('sess-2');
  });
  it('claude: a dir that does not exist yet is picked up; writes, end of turn and a new session file are seen', async () => {
    const root = tempDir();
    const cwd = path.join(root, 'proj');
    fs.mkdirSync(cwd);
    const env = { ...process.env, CLAUDE_CONFIG_DIR: path.join(root, 'claude') };
    const dir = claudeProjectDir(cwd, env);
    const { w, seen } = start(env);
    w.setAgents([spec('a1', cwd)]);
    await waitFor(() => seen.get('a1'), { what: 'initial scan' });
    expect(seen.get('a1')).toMatchObject({ lastActivityMs: null, sessionFile: null });

    // the dir appears (mkdir -p of several levels at once) with a first session
    const s1 = path.join(dir, 'sess-1.jsonl');
    fs.mkdirSync(dir, { recursive: true });
    fs.writeFileSync(s1, rec({ type: 'system', subtype: 'session_start' }));
    await waitFor(() => seen.get('a1')?.sessionFile === s1, { timeoutMs: 15_000, what: 'new dir picked up' });
    expect(seen.get('a1')?.resumeRef).toBe('sess-1');

    // work: the mtime moves with each append
    fs.appendFileSync(s1, rec({ type: 'user', message: { content: 'task' } }));
    await waitFor(() => seen.get('a1')?.turnOpen === undefined, { timeoutMs: 15_000, what: 'turn no longer closed' });
    const before = seen.get('a1')!.lastActivityMs!;
    await waitFor(() => {
      fs.appendFileSync(s1, rec({ type: 'assistant', message: { stop_reason: 'tool_use' } }));
      return (seen.get('a1')?.lastActivityMs ?? 0) > before;
    }, { timeoutMs: 15_000, intervalMs: 200, what: 'mtime moves' });
    fs.appendFileSync(s1, rec({ type: 'assistant', message: { stop_reason: 'end_turn' } }));
    await waitFor(() => seen.get('a1')?.turnOpen === false, { timeoutMs: 15_000, what: 'end of turn' });

    // a reset starts a new session file
    const s2 = path.join(dir, 'sess-2.jsonl');
    fs.writeFileSync(s2, rec({ type: 'system', subtype: 'session_start' }));
    await waitFor(() => seen.get('a1')?.sessionFile === s2, { timeoutMs: 15_000, what: 'new session file' });
    expect(seen.get('a1')?.resumeRef).toBe('sess-2');
  });

  it('claude, long path: a project folder created under another hash is found and then watched', async () => {
    const root = tempDir();
    const cwd = path.join(root, 'x'.repeat(120), 'y'.repeat(120));
    fs.mkdirSync(cwd, { recursive: true });
    const env = { ...process.env, CLAUDE_CONFIG_DIR: path.join(root, 'claude') };
    fs.mkdirSync(path.join(root, 'claude', 'projects'), { recursive: true });
    const { w, seen } = start(env);
    w.setAgents([spec('long', cwd)]);
    await waitFor(() => seen.get('long'), { what: 'initial scan' });
    const theirs = path.join(root, 'claude', 'projects', `${cwd.replace(/[^A-Za-z0-9]/g, '-').slice(0, 200)}-bun1x`);
    fs.mkdirSync(theirs);
    const f1 = path.join(theirs, 'one.jsonl');
    fs.writeFileSync(f1, rec({ type: 'user', cwd, message: { content: 'x' } }));
    await waitFor(() => seen.get('long')?.sessionFile === f1, { timeoutMs: 15_000, what: 'folder under another hash' });
    // from now on its own folder is watched: a later write is seen without any rescan
    const before = seen.get('long')!.lastActivityMs!;
    await waitFor(() => {
      fs.appendFileSync(f1, rec({ type: 'assistant', message: { stop_reason: 'tool_use' } }));
      return (seen.get('long')?.lastActivityMs ?? 0) > before;
    }, { timeoutMs: 15_000, intervalMs: 200, what: 'write in the other-hash folder' });
  });

  it('codex: only rollouts whose session_meta.cwd is ours count; task_started/complete drive the turn', async () => {
    const root = tempDir();
    const mine = path.join(root, 'mine');
    const other = path.join(root, 'other');
    fs.mkdirSync(mine);
    fs.mkdirSync(other);
    const env = { ...process.env, CODEX_HOME: path.join(root, 'codex') };
    const day = path.join(root, 'codex', 'sessions', '2026', '11', '21');
    fs.mkdirSync(day, { recursive: true });
    const { w, seen } = start(env);
    w.setAgents([spec('cx', mine, { runtime: 'codex' })]);
    await waitFor(() => seen.get('cx'), { what: 'initial scan' });

    const theirs = path.join(day, 'rollout-2026-11-21T10-00-00-aaaaaaaa-aaaa-aaaa-aaaa-aaaaaaaaaaaa.jsonl');
    fs.writeFileSync(theirs, rec({ type: 'session_meta', payload: { cwd: other } }) + rec({ type: 'event_msg', payload: { type: 'task_started' } }));
    const ours = path.join(day, 'rollout-2026-11-21T10-00-01-bbbbbbbb-bbbb-bbbb-bbbb-bbbbbbbbbbbb.jsonl');
    fs.writeFileSync(ours, rec({ type: 'session_meta', payload: { cwd: mine } }));
    await waitFor(() => seen.get('cx')?.sessionFile === ours, { timeoutMs: 15_000, what: 'our rollout' });
    expect(seen.get('cx')?.resumeRef).toBe('bbbbbbbb-bbbb-bbbb-bbbb-bbbbbbbbbbbb');
    fs.appendFileSync(ours, rec({ type: 'event_msg', payload: { type: 'task_started' } }));
    await waitFor(() => seen.get('cx')?.turnOpen === true, { timeoutMs: 15_000, what: 'turn open' });
    fs.appendFileSync(theirs, rec({ type: 'event_msg', payload: { type: 'task_complete' } }));
    fs.appendFileSync(ours, rec({ type: 'event_msg', payload: { type: 'task_complete' } }));
    await waitFor(() => seen.get('cx')?.turnOpen === false, { timeoutMs: 15_000, what: 'turn closed' });
    expect(seen.get('cx')?.sessionFile).toBe(ours);
  });

  it('300 agents (most never run): every one reported, a write to any one seen, the rest left alone', async () => {
    const root = tempDir();
    const env = { ...process.env, CLAUDE_CONFIG_DIR: path.join(root, 'claude') };
    const specs: AgentSpec[] = [];
    const files = new Map<string, string>();
    for (let i = 0; i < 300; i++) {
      const cwd = path.join(root, 'w', `a${i}`);
      fs.mkdirSync(cwd, { recursive: true });
      specs.push(spec(`a${i}`, cwd));
      if (i % 10 === 0) {
        const dir = claudeProjectDir(cwd, env);
        fs.mkdirSync(dir, { recursive: true });
        const f = path.join(dir, 's.jsonl');
        fs.writeFileSync(f, rec({ type: 'user', message: { content: 'x' } }));
        files.set(`a${i}`, f);
      }
    }
    const { w, seen, calls } = start(env);
    const t0 = Date.now();
    w.setAgents(specs);
    await waitFor(() => seen.size === 300, { timeoutMs: 30_000, what: 'all 300 reported' });
    expect(Date.now() - t0).toBeLessThan(30_000);
    expect([...files.keys()].every((n) => seen.get(n)?.sessionFile === files.get(n))).toBe(true);
    const before = calls();
    const target = files.get('a150')!;
    const prev = seen.get('a150')!.lastActivityMs!;
    await waitFor(() => {
      fs.appendFileSync(target, rec({ type: 'assistant', message: { stop_reason: 'tool_use' } }));
      return (seen.get('a150')?.lastActivityMs ?? 0) > prev;
    }, { timeoutMs: 15_000, intervalMs: 200, what: 'a150 write seen' });
    // only a150 changed: no storm of updates for the other 299
    expect(calls() - before).toBeLessThan(20);
  });

  it('a dir of 3,000 garbage files under constant writes: no crash, bounded updates, cause visible', async () => {
    const root = tempDir();
    const cwd = path.join(root, 'p');
    fs.mkdirSync(cwd);
    const env = { ...process.env, CLAUDE_CONFIG_DIR: path.join(root, 'claude') };
    const dir = claudeProjectDir(cwd, env);
    fs.mkdirSync(dir, { recursive: true });
    for (let i = 0; i < 3000; i++) fs.writeFileSync(path.join(dir, `g${i}.jsonl`), '\u0000garbage\nnot json\n');
    const { w, seen, calls } = start(env);
    w.setAgents([spec('g', cwd)]);
    await waitFor(() => seen.get('g')?.problem, { timeoutMs: 15_000, what: 'problem reported' });
    expect(seen.get('g')!.problem).toMatch(/3000 transcript files/);
    expect(seen.get('g')!.problem).toMatch(/not JSON records/);
    const hot = path.join(dir, 'g1.jsonl');
    const t0 = Date.now();
    let writes = 0;
    const before = calls();
    while (Date.now() - t0 < 1500) {
      fs.appendFileSync(hot, 'more garbage\n');
      writes++;
      await new Promise((r) => setTimeout(r, 5));
    }
    await w.refresh('g');
    // debounced: far fewer updates than writes (at most one per debounce window)
    expect(calls() - before).toBeLessThan(Math.max(5, writes / 3));
    expect(seen.get('g')!.lastActivityMs).toBeGreaterThan(0);
  });

  it('an agent removed from the roster is unwatched; stop() ends everything', async () => {
    const root = tempDir();
    const env = { ...process.env, CLAUDE_CONFIG_DIR: path.join(root, 'claude') };
    const file = (name: string): string => {
      const cwd = path.join(root, name);
      fs.mkdirSync(cwd);
      const dir = claudeProjectDir(cwd, env);
      fs.mkdirSync(dir, { recursive: true });
      const f = path.join(dir, 's.jsonl');
      fs.writeFileSync(f, rec({ type: 'user', message: { content: 'x' } }));
      return f;
    };
    const fa = file('a');
    const fb = file('b');
    const { w, seen } = start(env);
    const specs = [spec('a', path.join(root, 'a')), spec('b', path.join(root, 'b'))];
    w.setAgents(specs);
    await waitFor(() => seen.get('a')?.sessionFile === fa && seen.get('b')?.sessionFile === fb, { what: 'scan' });
    w.setAgents([specs[1]!]);
    const aBefore = seen.get('a');
    const bBefore = seen.get('b')!.lastActivityMs!;
    // b (still watched) is the barrier: once its write is seen, a's write would have been seen too
    await waitFor(() => {
      fs.appendFileSync(fa, rec({ type: 'user', message: { content: 'y' } }));
      fs.appendFileSync(fb, rec({ type: 'user', message: { content: 'y' } }));
      return (seen.get('b')?.lastActivityMs ?? 0) > bBefore;
    }, { timeoutMs: 15_000, intervalMs: 200, what: 'b sees its write' });
    expect(seen.get('a')).toBe(aBefore);
    await w.refresh('a'); // unknown now: a no-op
    expect(seen.get('a')).toBe(aBefore);
    await w.stop();
  });

  it('fleet doctor names transcript problems (garbage, a missing transcripts: override) and still exits 0', async () => {
    const f = makeTestFleet();
    const cwd = f.cwd('g1');
    const dir = claudeProjectDir(cwd, { CLAUDE_CONFIG_DIR: f.claudeHome });
    fs.mkdirSync(dir, { recursive: true });
    fs.writeFileSync(path.join(dir, 'x.jsonl'), '\u0000\u0001garbage\nnot json either\n');
    const missing = path.join(f.root, 'nowhere');
    f.writeRoster(`version: 1\nagents:\n  - name: g1\n    runtime: claude\n    cwd: ${cwd}\n    command: node\n  - name: g2\n    runtime: pi\n    cwd: ${f.cwd('g2')}\n    command: node\n    transcripts: ${missing}\n  - name: ok1\n    runtime: claude\n    cwd: ${f.cwd('ok1')}\n    command: node\n`);
    const r = await f.fleet(['doctor']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/transcripts g1: .*x\.jsonl: 2 of 2 recent lines are not JSON records/);
    expect(r.stdout).toContain(`transcripts g2: transcripts: ${missing} (set in the roster for g2) does not exist`);
    expect(r.stdout).not.toContain('transcripts ok1');
  });

  it('fleet ls with garbage and a half-written line in a live agent\'s transcript: exit 0, a live state', async () => {
    const f = makeTestFleet();
    const cwd = f.cwd('g1');
    const dir = claudeProjectDir(cwd, { CLAUDE_CONFIG_DIR: f.claudeHome });
    fs.mkdirSync(dir, { recursive: true });
    const file = path.join(dir, 'x.jsonl');
    fs.writeFileSync(file, '\u0000garbage\n' + rec({ type: 'assistant', message: { stop_reason: 'end_turn' } }) + '{"type":"user","mess');
    f.writeRoster(`version: 1\nagents:\n  - name: g1\n    runtime: claude\n    cwd: ${cwd}\n    command: sleep 600\n`);
    tmux(f.socket, 'new-session', '-d', '-s', 'g1', '-c', cwd, 'sleep 600');
    const r = await f.fleet(['ls', '--json']);
    expect(r.code, r.stderr).toBe(0);
    const row = (JSON.parse(r.stdout) as { name: string; state: string; lastActivityAt: string | null }[]).find((x) => x.name === 'g1')!;
    expect(['idle', 'busy']).toContain(row.state);
    expect(row.lastActivityAt).not.toBeNull();
  });
});
