import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { AgentSpec } from '../../src/domain/types.js';
import { codex, codexTurn, rolloutCwd } from '../../src/runtimes/codex.js';
import { gemini, geminiChatsDir } from '../../src/runtimes/gemini.js';
import { adapterFor } from '../../src/runtimes/index.js';
import { pi, piSessionDir, piSessionSlug } from '../../src/runtimes/pi.js';
import { shell } from '../../src/runtimes/shell.js';
import { tempDir } from '../helpers/tmux.js';

function spec(over: Partial<AgentSpec> = {}): AgentSpec {
  return {
    name: 'a1', runtime: 'codex', cwd: '/tmp', class: undefined, tags: [], command: undefined, reset: undefined,
    kickstart: undefined, env: {}, managed: 'fleet', transcripts: undefined, idleSecs: undefined, ...over,
  };
}
const line = (o: unknown): string => JSON.stringify(o) + '\n';
const setTime = (f: string, ms: number): void => fs.utimesSync(f, new Date(ms), new Date(ms));

describe('registry', () => {
  it('has an adapter for every runtime', () => {
    for (const r of ['claude', 'codex', 'pi', 'gemini', 'shell'] as const) expect(adapterFor(r)?.name).toBe(r);
  });
});

describe('codex adapter', () => {
  function home(): { env: Record<string, string>; sessions: string; cwd: string; other: string } {
    const root = tempDir();
    const cwd = path.join(root, 'proj');
    const other = path.join(root, 'other');
    fs.mkdirSync(cwd);
    fs.mkdirSync(other);
    return { env: { CODEX_HOME: path.join(root, 'codex') }, sessions: path.join(root, 'codex', 'sessions'), cwd, other };
  }
  function rollout(sessions: string, day: string, id: string, cwd: string, body: unknown[], mtime: number): string {
    const dir = path.join(sessions, ...day.split('/'));
    fs.mkdirSync(dir, { recursive: true });
    const f = path.join(dir, `rollout-${day.replace(/\//g, '-')}T10-00-00-${id}.jsonl`);
    fs.writeFileSync(f, [{ timestamp: 't', type: 'session_meta', payload: { id, cwd, cli_version: '0.1' } }, ...body].map(line).join(''));
    setTime(f, mtime);
    return f;
  }
  const started = { type: 'event_msg', payload: { type: 'task_started' } };
  const complete = { type: 'event_msg', payload: { type: 'task_complete' } };

  it('launches, resumes (by id or --last), resets with Escape then /new; honours a command override', () => {
    expect(codex.launchCommand(spec(), 'fresh', null)).toBe('codex');
    expect(codex.launchCommand(spec(), 'resume', null)).toBe('codex resume --last');
    expect(codex.launchCommand(spec({ command: 'codex -m o3' }), 'resume', 'abc')).toBe('codex -m o3 resume abc');
    expect(codex.resetCommand(spec())).toBe('/new');
    expect(codex.interruptKey).toBe('Escape');
  });

  it('finds the newest rollout whose session_meta.cwd is the agent cwd, across date folders, under CODEX_HOME', async () => {
    const h = home();
    const id1 = '11111111-1111-1111-1111-111111111111';
    const id2 = '22222222-2222-2222-2222-222222222222';
    const id3 = '33333333-3333-3333-3333-333333333333';
    rollout(h.sessions, '2026/11/19', id1, h.cwd, [started, complete], 1_000_000);
    const mine = rollout(h.sessions, '2026/11/20', id2, h.cwd, [started], 2_000_000);
    rollout(h.sessions, '2026/11/21', id3, h.other, [started, complete], 3_000_000); // another project, newer
    const o = await codex.scan(spec({ cwd: h.cwd }), h.env);
    expect(o.sessionFile).toBe(mine);
    expect(o.resumeRef).toBe(id2);
    expect(o.lastActivityMs).toBe(2_000_000);
    expect(o.turnOpen).toBe(true);
    expect(o.problem).toBeUndefined();
    expect(codex.transcriptDirs(spec({ cwd: h.cwd }), h.env)).toEqual([h.sessions]);
    expect(await codex.owns(spec({ cwd: h.cwd }), h.env, mine)).toBe(true);
    expect(await codex.owns(spec({ cwd: h.other }), h.env, mine)).toBe(false);
  });

  it('turn markers: complete closes, aborted closes, none is unknown', async () => {
    const h = home();
    const f = rollout(h.sessions, '2026/11/20', 'x', h.cwd, [started, { type: 'response_item', payload: {} }, complete], 1);
    expect(await codexTurn(f)).toBe(false);
    fs.appendFileSync(f, line(started) + line({ type: 'event_msg', payload: { type: 'turn_aborted' } }));
    expect(await codexTurn(f)).toBe(false);
    const g = rollout(h.sessions, '2026/11/20', 'y', h.cwd, [], 1);
    expect(await codexTurn(g)).toBeUndefined();
  });

  it('the turn tail read is bounded: a marker far behind a huge record is not needed to answer', async () => {
    const h = home();
    const f = rollout(h.sessions, '2026/11/20', 'z', h.cwd, [started, { type: 'response_item', payload: { big: 'x'.repeat(2_000_000) } }], 1);
    // started is 2 MB behind the end: beyond the tail window, so the answer is "unknown" (falls back to mtime)
    expect(await codexTurn(f)).toBeUndefined();
  });

  it('a huge session_meta line still yields its cwd', () => {
    const root = tempDir();
    const f = path.join(root, 'rollout-x.jsonl');
    fs.writeFileSync(f, JSON.stringify({ type: 'session_meta', payload: { cwd: '/w/p', instructions: 'i'.repeat(200_000) } }) + '\n');
    expect(rolloutCwd(f)).toBe('/w/p');
  });

  it('garbage and missing homes: no throw; garbage is a problem', async () => {
    const h = home();
    expect(await codex.scan(spec({ cwd: h.cwd }), h.env)).toMatchObject({ lastActivityMs: null, problem: undefined });
    const dir = path.join(h.sessions, '2026', '11', '20');
    fs.mkdirSync(dir, { recursive: true });
    fs.writeFileSync(path.join(dir, 'rollout-bad.jsonl'), '\u0000\u0001 binary junk\nmore\n');
    expect((await codex.scan(spec({ cwd: h.cwd }), h.env)).lastActivityMs).toBeNull();
    const f = rollout(h.sessions, '2026/11/20', 'g', h.cwd, [], 5);
    fs.appendFileSync(f, 'junk\njunk\njunk\n{"type":"event_msg","payl');
    const o = await codex.scan(spec({ cwd: h.cwd }), h.env);
    expect(o.sessionFile).toBe(f);
    expect(o.problem).toMatch(/not JSON records/);
  });

  it('verifies user turns from event_msg and response_item records after an offset', async () => {
    const root = tempDir();
    const f = path.join(root, 'rollout-a.jsonl');
    fs.writeFileSync(f, line({ type: 'event_msg', payload: { type: 'user_message', message: 'first' } }));
    const off = fs.statSync(f).size;
    fs.appendFileSync(f, line({ type: 'response_item', payload: { type: 'message', role: 'user', content: [{ type: 'input_text', text: 'second' }] } }));
    expect(await codex.hasUserTurn(f, 'first', 0)).toBe(true);
    expect(await codex.hasUserTurn(f, 'first', off)).toBe(false);
    expect(await codex.hasUserTurn(f, 'second', off)).toBe(true);
  });

  it('screen: approval prompts wait; the › composer line is the draft, placeholders are not', () => {
    expect(codex.isWaiting('Would you like to run the following command?\n  $ rm -rf build\n› 1. Yes, proceed')).toBe(true);
    expect(codex.isWaiting('› ready')).toBe(false);
    expect(codex.composerDraft('output\n\n› half typed\n\n  ⏎ send')).toBe('half typed');
    expect(codex.composerDraft('output\n\n› Explain this codebase\n')).toBeNull();
    expect(codex.composerDraft('output\n› \n')).toBeNull();
    expect(codex.composerVisible!('output\n› \n')).toBe(true);
    expect(codex.composerVisible!('output only\n')).toBe(false);
  });
});

describe('pi adapter', () => {
  it('computes --<cwd>-- under PI_CODING_AGENT_DIR and reads the newest session', async () => {
    expect(piSessionSlug('/home/u/src/app')).toBe('--home-u-src-app--');
    const root = tempDir();
    const cwd = path.join(root, 'app');
    fs.mkdirSync(cwd);
    const env = { PI_CODING_AGENT_DIR: path.join(root, 'pi') };
    const dir = piSessionDir(spec({ runtime: 'pi', cwd }), env);
    expect(dir).toBe(path.join(root, 'pi', 'sessions', piSessionSlug(cwd)));
    fs.mkdirSync(dir, { recursive: true });
    const a = path.join(dir, '2026-11-20T10-00-00-000Z_aaa.jsonl');
    const b = path.join(dir, '2026-11-21T10-00-00-000Z_bbb.jsonl');
    fs.writeFileSync(a, line({ type: 'session', id: 'aaa', cwd }));
    fs.writeFileSync(b, line({ type: 'session', id: 'bbb', cwd }) + line({ type: 'message', message: { role: 'user', content: [{ type: 'text', text: 'hi' }] } }));
    setTime(a, 1000);
    setTime(b, 2000);
    const o = await pi.scan(spec({ runtime: 'pi', cwd }), env);
    expect(o).toMatchObject({ sessionFile: b, resumeRef: b, lastActivityMs: 2000, problem: undefined });
    expect(pi.launchCommand(spec({ runtime: 'pi' }), 'resume', null)).toBe('pi --continue');
    expect(pi.launchCommand(spec({ runtime: 'pi' }), 'resume', b)).toBe(`pi --session ${b}`);
    expect(pi.resetCommand(spec({ runtime: 'pi' }))).toBe('/new');
    expect(await pi.hasUserTurn(b, 'hi', 0)).toBe(true);
    expect(pi.isWaiting('Do you want to proceed?')).toBe(false);
    expect(pi.composerDraft('out\n──────────\n draft here\n──────────\n model')).toBe('draft here');
    expect(pi.composerDraft('out\n──────────\n\n──────────\n model')).toBeNull();
    expect(pi.composerVisible!('out\n──────────\n\n──────────\n model')).toBe(true);
    expect(pi.composerVisible!('out')).toBe(false);
  });
});

describe('gemini adapter', () => {
  it('reads tmp/<sha256(cwd)>/chats under GEMINI_CLI_HOME; a whole-JSON chat; garbage is a problem', async () => {
    const root = tempDir();
    const cwd = path.join(root, 'app');
    fs.mkdirSync(cwd);
    const env = { GEMINI_CLI_HOME: path.join(root, 'ghome') };
    const s = spec({ runtime: 'gemini', cwd });
    const dir = geminiChatsDir(s, env);
    expect(dir).toBe(path.join(root, 'ghome', '.gemini', 'tmp', createHash('sha256').update(cwd).digest('hex'), 'chats'));
    expect(await gemini.scan(s, env)).toMatchObject({ lastActivityMs: null, problem: undefined });
    fs.mkdirSync(dir, { recursive: true });
    const f = path.join(dir, 'session-2026-11-21T10-00-abc.json');
    fs.writeFileSync(f, JSON.stringify({ sessionId: 'sid-1', messages: [{ type: 'user', content: 'do it' }, { type: 'gemini', content: 'ok' }] }));
    setTime(f, 5000);
    expect(await gemini.scan(s, env)).toMatchObject({ sessionFile: f, resumeRef: 'sid-1', lastActivityMs: 5000, problem: undefined });
    expect(await gemini.hasUserTurn(f, 'do it', 0)).toBe(true);
    expect(await gemini.hasUserTurn(f, 'other', 0)).toBe(false);
    // the same text sent before: not new unless the chat grew past the size taken before the paste
    const size = fs.statSync(f).size;
    expect(await gemini.hasUserTurn(f, 'do it', size)).toBe(false);
    fs.writeFileSync(f, '{"sessionId": "sid-1", "messages": [');
    const o = await gemini.scan(s, env);
    expect(o.problem).toMatch(/not valid JSON/);
    expect(o.lastActivityMs).not.toBeNull();
    expect(gemini.launchCommand(s, 'resume', null)).toBe('gemini --resume');
    expect(gemini.resetCommand(s)).toBe('/clear');
    expect(gemini.isWaiting('Apply this change?\n● 1. Yes, allow once')).toBe(true);
    expect(gemini.composerDraft('╭────╮\n│ > Type your message or @path/to/file │\n╰────╯')).toBeNull();
    expect(gemini.composerDraft('╭────╮\n│ > fix it │\n╰────╯')).toBe('fix it');
    expect(gemini.composerVisible!('╭────╮\n│ > Type your message or @path/to/file │\n╰────╯')).toBe(true);
    expect(gemini.composerVisible!('plain output')).toBe(false);
  });
});

describe('shell adapter', () => {
  it('no transcripts unless the roster names a dir; reset is a restart; interrupt is C-c', async () => {
    const s = spec({ runtime: 'shell', command: 'htop' });
    expect(shell.launchCommand(s, 'fresh', null)).toBe('htop');
    expect(shell.launchCommand(spec({ runtime: 'shell' }), 'resume', null)).toContain('SHELL');
    expect(shell.transcriptDirs(s, {})).toEqual([]);
    expect(await shell.scan(s, {})).toMatchObject({ lastActivityMs: null, sessionFile: null });
    expect(shell.resetCommand(s)).toBeNull();
    expect(shell.interruptKey).toBe('C-c');
    const d = tempDir();
    fs.writeFileSync(path.join(d, 'log.txt'), 'x');
    setTime(path.join(d, 'log.txt'), 7000);
    expect((await shell.scan(spec({ runtime: 'shell', transcripts: d }), {})).lastActivityMs).toBe(7000);
  });
});
