import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { AgentSpec } from '../../src/domain/types.js';
import { claude, claudeTail, claudeTurn } from '../../src/runtimes/claude.js';
import { claudeProjectDir } from '../../src/runtimes/claude-paths.js';
import { adapterFor } from '../../src/runtimes/index.js';
import { describeFsError } from '../../src/runtimes/files.js';
import { tempDir } from '../helpers/tmux.js';

function spec(over: Partial<AgentSpec> = {}): AgentSpec {
  return {
    name: 'a1', runtime: 'claude', cwd: '/tmp', class: undefined, tags: [], command: undefined, reset: undefined,
    kickstart: undefined, env: {}, managed: 'fleet', transcripts: undefined, idleSecs: undefined, ...over,
  };
}

function setup(): { home: string; cwd: string; dir: string; env: Record<string, string> } {
  const root = tempDir();
  const home = path.join(root, 'claude');
  const cwd = path.join(root, 'work', 'my_app');
  fs.mkdirSync(cwd, { recursive: true });
  const env = { CLAUDE_CONFIG_DIR: home };
  return { home, cwd, dir: claudeProjectDir(cwd, env), env };
}

const rec = (o: Record<string, unknown>): string => JSON.stringify(o) + '\n';

describe('claude adapter', () => {
  it('is registered', () => {
    expect(adapterFor('claude')).toBe(claude);
  });

  it('launches fresh, resumes by id, or --continue when no id, also with an overridden command', () => {
    expect(claude.launchCommand(spec(), 'fresh', null)).toBe('claude');
    expect(claude.launchCommand(spec(), 'resume', 'abc-123')).toBe('claude --resume abc-123');
    expect(claude.launchCommand(spec(), 'resume', null)).toBe('claude --continue');
    const s = spec({ command: 'node dist/standin.js --work-ms 600' });
    expect(claude.launchCommand(s, 'fresh', null)).toBe('node dist/standin.js --work-ms 600');
    expect(claude.launchCommand(s, 'resume', null)).toBe('node dist/standin.js --work-ms 600 --continue');
    expect(claude.launchCommand(s, 'resume', "x'; rm -rf ~")).toBe(`node dist/standin.js --work-ms 600 --resume 'x'\\''; rm -rf ~'`);
  });

  it('reset is /clear unless the roster overrides it; interrupt is Escape', () => {
    expect(claude.resetCommand(spec())).toBe('/clear');
    expect(claude.resetCommand(spec({ reset: '/new' }))).toBe('/new');
    expect(claude.interruptKey).toBe('Escape');
  });

  it('scans the project dir under CLAUDE_CONFIG_DIR: newest session, its id, newest mtime', async () => {
    const { cwd, dir, env } = setup();
    fs.mkdirSync(dir, { recursive: true });
    const old = path.join(dir, '11111111-aaaa.jsonl');
    const cur = path.join(dir, '22222222-bbbb.jsonl');
    fs.writeFileSync(old, rec({ type: 'user', message: { content: 'x' } }));
    fs.writeFileSync(cur, rec({ type: 'user', message: { content: 'y' } }));
    fs.utimesSync(old, new Date(1_000_000), new Date(1_000_000));
    fs.utimesSync(cur, new Date(2_000_000), new Date(2_000_000));
    const o = await claude.scan(spec({ cwd }), env);
    expect(o.sessionFile).toBe(cur);
    expect(o.resumeRef).toBe('22222222-bbbb');
    expect(o.lastActivityMs).toBe(2_000_000);
    expect(o.turnOpen).toBeUndefined();
    expect(o.problem).toBeUndefined();
    // a subagent of the current session writing later counts as activity, but is not the session
    const sub = path.join(dir, '22222222-bbbb', 'subagents');
    fs.mkdirSync(sub, { recursive: true });
    fs.writeFileSync(path.join(sub, 'agent-1.jsonl'), rec({ type: 'assistant' }));
    fs.utimesSync(path.join(sub, 'agent-1.jsonl'), new Date(3_000_000), new Date(3_000_000));
    const o2 = await claude.scan(spec({ cwd }), env);
    expect(o2.lastActivityMs).toBe(3_000_000);
    expect(o2.resumeRef).toBe('22222222-bbbb');
  });

  it('a missing dir is no activity and no problem; transcripts: overrides the location', async () => {
    const { cwd, env } = setup();
    expect(await claude.scan(spec({ cwd }), env)).toMatchObject({ lastActivityMs: null, sessionFile: null, problem: undefined });
    const other = tempDir();
    fs.writeFileSync(path.join(other, 'abc.jsonl'), rec({ type: 'system' }));
    const o = await claude.scan(spec({ cwd, transcripts: other }), env);
    expect(o.resumeRef).toBe('abc');
    expect(claude.transcriptDirs(spec({ cwd, transcripts: other }), env)).toEqual([other]);
  });

  it('garbage is a problem; a half-written last line is not', async () => {
    const { cwd, dir, env } = setup();
    fs.mkdirSync(dir, { recursive: true });
    const f = path.join(dir, 'sess.jsonl');
    fs.writeFileSync(f, rec({ type: 'user', message: { content: 'a' } }) + '{"type":"assist');
    expect((await claude.scan(spec({ cwd }), env)).problem).toBeUndefined();
    fs.writeFileSync(f, 'not json\n\u0000\u0001binary\nmore garbage\n');
    const o = await claude.scan(spec({ cwd }), env);
    expect(o.problem).toMatch(/not JSON records/);
    expect(o.lastActivityMs).not.toBeNull();
  });

  it('unreadable or non-directory transcript path: a problem naming it, never a throw', async () => {
    const { cwd, env } = setup();
    const notDir = path.join(tempDir(), 'file');
    fs.writeFileSync(notDir, 'x');
    const o = await claude.scan(spec({ cwd, transcripts: notDir }), env);
    expect(o.problem).toContain(notDir);
    expect(o.lastActivityMs).toBeNull();
    // EACCES cannot be produced as root, so the message for it is checked directly.
    const eacces = Object.assign(new Error('permission denied'), { code: 'EACCES' });
    expect(describeFsError('/x/y', eacces)).toBe('transcript directory /x/y is not readable (EACCES)');
  });

  it('finds the user turn written after an offset', async () => {
    const root = tempDir();
    const f = path.join(root, 's.jsonl');
    fs.writeFileSync(f, rec({ type: 'user', message: { role: 'user', content: 'old task' } }));
    const off = fs.statSync(f).size;
    fs.appendFileSync(f, rec({ type: 'assistant', message: { content: [{ type: 'text', text: 'hello' }] } }));
    fs.appendFileSync(f, rec({ type: 'user', message: { role: 'user', content: [{ type: 'text', text: 'line 1\nline 2' }] } }));
    expect(await claude.hasUserTurn(f, 'old task', 0)).toBe(true);
    expect(await claude.hasUserTurn(f, 'old task', off)).toBe(false);
    expect(await claude.hasUserTurn(f, 'hello', 0)).toBe(false);
    expect(await claude.hasUserTurn(f, 'line 1\r\nline 2\n', off)).toBe(true);
    expect(await claude.hasUserTurn(path.join(root, 'missing.jsonl'), 'x', 0)).toBe(false);
  });

  it('reads the composer draft: boxed, open (newer Claude), placeholder and empty', () => {
    const boxed = (t: string): string => `standin — ready\n╭──────────╮\n│ > ${t.padEnd(8)}│\n╰──────────╯`;
    expect(claude.composerDraft(boxed(''))).toBeNull();
    expect(claude.composerDraft(boxed('half a th'))).toBe('half a th');
    const open = '● Done.\n────────────────────\n> fix the tests\n────────────────────\n  ? for shortcuts';
    expect(claude.composerDraft(open)).toBe('fix the tests');
    expect(claude.composerDraft(open.replace('fix the tests', ''))).toBeNull();
    expect(claude.composerDraft('────────────\n> Try "how does foo work?"\n────────────')).toBeNull();
    expect(claude.composerDraft('just output\n> quoted text in output\n')).toBeNull();
  });

  it('composerVisible tells an empty composer from none at all', () => {
    expect(claude.composerVisible!('standin\n╭────╮\n│ >  │\n╰────╯')).toBe(true);
    expect(claude.composerVisible!('────────────\n> \n────────────')).toBe(true);
    expect(claude.composerVisible!('')).toBe(false);
    expect(claude.composerVisible!('$ cat\nsome output\n[exited]')).toBe(false);
  });

  it('sees permission dialogs and questions as waiting', () => {
    expect(claude.isWaiting('Bash command\n  rm x\nDo you want to proceed?\n❯ 1. Yes\n  2. No')).toBe(true);
    expect(claude.isWaiting('Do you want to make this edit to foo.ts?')).toBe(true);
    expect(claude.isWaiting('Do you trust the files in this folder?')).toBe(true);
    expect(claude.isWaiting('✓ done: task\n│ > │')).toBe(false);
  });

  it('owns session files and subagent files under its dir, nothing else', async () => {
    const { cwd, dir, env } = setup();
    const s = spec({ cwd });
    expect(await claude.owns(s, env, path.join(dir, 'abc.jsonl'))).toBe(true);
    expect(await claude.owns(s, env, path.join(dir, 'abc', 'subagents', 'agent-1.jsonl'))).toBe(true);
    expect(await claude.owns(s, env, path.join(dir, 'abc', 'other', 'x.jsonl'))).toBe(false);
    expect(await claude.owns(s, env, path.join(dir, 'notes.txt'))).toBe(false);
    expect(await claude.owns(s, env, path.join(path.dirname(dir), 'elsewhere', 'a.jsonl'))).toBe(false);
    expect(claude.sessionRef(path.join(dir, 'abc.jsonl'))).toBe('abc');
    expect(claude.sessionRef(path.join(dir, 'abc', 'subagents', 'x.jsonl'))).toBeNull();
  });

  it('turn verdict: closed after end_turn or an interruption or in a fresh file; no verdict while working', async () => {
    const root = tempDir();
    const f = path.join(root, 's.jsonl');
    fs.writeFileSync(f, rec({ type: 'system', subtype: 'session_start' }));
    expect(await claudeTurn(f)).toBe(false); // fresh / cleared session: no turn
    fs.appendFileSync(f, rec({ type: 'user', message: { content: 'task' } }));
    expect(await claudeTurn(f)).toBeUndefined();
    fs.appendFileSync(f, rec({ type: 'assistant', message: { content: [], stop_reason: 'tool_use' } }));
    expect(await claudeTurn(f)).toBeUndefined();
    fs.appendFileSync(f, rec({ type: 'assistant', message: { content: [], stop_reason: 'end_turn' } }) + rec({ type: 'file-history-snapshot' }) + rec({ type: 'system', subtype: 'stop_hook' }));
    expect(await claudeTurn(f)).toBe(false);
    fs.appendFileSync(f, rec({ type: 'user', message: { content: 'next' } }) + rec({ type: 'assistant', message: { content: [], stop_reason: null } }));
    expect(await claudeTurn(f)).toBeUndefined();
    fs.appendFileSync(f, rec({ type: 'user', message: { content: [{ type: 'text', text: '[Request interrupted by user]' }] } }));
    expect(await claudeTurn(f)).toBe(false);
    fs.appendFileSync(f, rec({ type: 'user', message: { content: 'again' } }) + rec({ type: 'system', subtype: 'interrupted' }));
    expect(await claudeTurn(f)).toBe(false);
    // a big file whose tail holds no turn record gives no verdict (the turn may be older than the window)
    const g = path.join(root, 'g.jsonl');
    fs.writeFileSync(g, rec({ type: 'user', message: { content: 'x' } }) + rec({ type: 'summary', s: 'y'.repeat(40_000) }) + rec({ type: 'summary' }));
    expect(await claudeTurn(g, 1024)).toBeUndefined();
    expect(await claudeTurn(path.join(root, 'missing.jsonl'))).toBeUndefined();
  });

  it('turn verdict read from the end skips broken, non-object and array lines exactly as a full parse would', async () => {
    const root = tempDir();
    const f = path.join(root, 'b.jsonl');
    // An ended turn, then garbage after it: the verdict still comes from the last real record.
    fs.writeFileSync(f, rec({ type: 'user', message: { content: 'task' } }) + rec({ type: 'assistant', message: { content: [], stop_reason: 'end_turn' } }));
    fs.appendFileSync(f, '{"type":"assistant","message":\n' + '[1,2,3]\n' + 'null\n' + '42\n' + '\u001b[31mnot json\n');
    expect(await claudeTurn(f)).toBe(false);
    // Work after the garbage: no verdict (the model is working), however many records lie before it.
    const many = Array.from({ length: 300 }, (_, i) => rec({ type: 'assistant', message: { content: [{ type: 'text', text: `step ${i}` }] } })).join('');
    fs.appendFileSync(f, many);
    expect(await claudeTurn(f)).toBeUndefined();
    expect(await claudeTail(f)).toEqual({ turnOpen: undefined, mayAsk: false });
    // Nothing but garbage in a whole small file, and complete: no turn record at all → closed, nothing asked.
    const g = path.join(root, 'g.jsonl');
    fs.writeFileSync(g, '[]\n"x"\n{broken\n');
    expect(await claudeTail(g)).toEqual({ turnOpen: false, mayAsk: false });
  });

  it('scan reports the turn verdict of the current session', async () => {
    const { cwd, dir, env } = setup();
    fs.mkdirSync(dir, { recursive: true });
    fs.writeFileSync(path.join(dir, 'a.jsonl'), rec({ type: 'user', message: { content: 'x' } }) + rec({ type: 'assistant', message: { stop_reason: 'end_turn' } }));
    expect((await claude.scan(spec({ cwd }), env)).turnOpen).toBe(false);
  });

  it('mayAsk: only a pending tool call (or an unknown tail) may have a question up', async () => {
    const root = tempDir();
    const f = path.join(root, 's.jsonl');
    fs.writeFileSync(f, rec({ type: 'system', subtype: 'session_start' }));
    expect((await claudeTail(f)).mayAsk).toBe(false);
    fs.appendFileSync(f, rec({ type: 'user', message: { content: 'task' } }));
    expect((await claudeTail(f)).mayAsk).toBe(false);
    fs.appendFileSync(f, rec({ type: 'assistant', message: { stop_reason: 'tool_use', content: [] } }));
    expect((await claudeTail(f)).mayAsk).toBe(true);
    fs.appendFileSync(f, rec({ type: 'assistant', message: { stop_reason: null, content: [{ type: 'tool_use', name: 'Bash' }] } }));
    expect((await claudeTail(f)).mayAsk).toBe(true);
    fs.appendFileSync(f, rec({ type: 'user', message: { content: [{ type: 'tool_result', content: 'ok' }] } }));
    expect((await claudeTail(f)).mayAsk).toBe(false);
    fs.appendFileSync(f, rec({ type: 'assistant', message: { stop_reason: 'end_turn', content: [] } }));
    expect(await claudeTail(f)).toEqual({ turnOpen: false, mayAsk: false });
    // scan: no session at all → no opinion (a trust dialog may be up)
    const { cwd, env } = setup();
    expect((await claude.scan(spec({ cwd }), env)).mayAsk).toBeUndefined();
  });
});
