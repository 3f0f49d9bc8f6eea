import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { AgentSpec, RuntimeName } from '../../src/domain/types.js';
import { claudeProjectDir } from '../../src/runtimes/claude-paths.js';
import { MANY_FILES, readTail, scanDir } from '../../src/runtimes/files.js';
import { adapterFor } from '../../src/runtimes/index.js';
import { tempDir } from '../helpers/tmux.js';

function spec(runtime: RuntimeName, over: Partial<AgentSpec> = {}): AgentSpec {
  return {
    name: 'a1', runtime, cwd: '/tmp', class: undefined, tags: [], command: undefined, reset: undefined,
    kickstart: undefined, env: {}, managed: 'fleet', transcripts: undefined, idleSecs: undefined, ...over,
  };
}

describe('transcript bad input', () => {
  it('5,000 files in a claude project dir: scan finds the newest and names the cause', async () => {
    const root = tempDir();
    const cwd = path.join(root, 'p');
    fs.mkdirSync(cwd);
    const env = { CLAUDE_CONFIG_DIR: path.join(root, 'c') };
    const dir = claudeProjectDir(cwd, env);
    fs.mkdirSync(dir, { recursive: true });
    for (let i = 0; i < 5000; i++) {
      const f = path.join(dir, `s${String(i).padStart(5, '0')}.jsonl`);
      fs.writeFileSync(f, '{"type":"user"}\n');
      fs.utimesSync(f, new Date(1_000_000 + i * 1000), new Date(1_000_000 + i * 1000));
    }
    const t0 = Date.now();
    const o = await adapterFor('claude')!.scan(spec('claude', { cwd }), env);
    expect(Date.now() - t0).toBeLessThan(15_000);
    expect(o.resumeRef).toBe('s04999');
    expect(o.lastActivityMs).toBe(1_000_000 + 4999 * 1000);
    expect(o.problem).toMatch(/holds 5000 transcript files/);
  });

  it('5,000 rollouts in a codex day folder, none of them ours: no crash, the cause is named', async () => {
    const root = tempDir();
    const env = { CODEX_HOME: path.join(root, 'codex') };
    const day = path.join(root, 'codex', 'sessions', '2026', '11', '21');
    fs.mkdirSync(day, { recursive: true });
    for (let i = 0; i < 5000; i++) {
      fs.writeFileSync(path.join(day, `rollout-${i}.jsonl`), JSON.stringify({ type: 'session_meta', payload: { cwd: '/elsewhere' } }) + '\n');
    }
    const o = await adapterFor('codex')!.scan(spec('codex', { cwd: root }), env);
    expect(o.lastActivityMs).toBeNull();
    expect(o.problem).toMatch(/5000 rollout files/);
  });

  it('every adapter: a transcript location that is a file, or garbage, never throws', async () => {
    const root = tempDir();
    const file = path.join(root, 'not-a-dir');
    fs.writeFileSync(file, 'x');
    for (const r of ['claude', 'codex', 'pi', 'gemini', 'shell'] as const) {
      const o = await adapterFor(r)!.scan(spec(r, { cwd: root, transcripts: file }), {});
      expect(o.lastActivityMs, r).toBeNull();
      if (r !== 'codex') expect(o.problem, r).toContain(file);
    }
  });

  it('scanDir: missing is not a problem; only matching files; newest first', async () => {
    const d = tempDir();
    expect(await scanDir(path.join(d, 'nope'), () => true)).toMatchObject({ missing: true, problem: undefined, files: [] });
    fs.writeFileSync(path.join(d, 'a.jsonl'), '');
    fs.writeFileSync(path.join(d, 'b.txt'), '');
    fs.mkdirSync(path.join(d, 'c.jsonl'));
    fs.utimesSync(path.join(d, 'a.jsonl'), new Date(5000), new Date(5000));
    const s = await scanDir(d, (n) => n.endsWith('.jsonl'));
    expect(s.files.map((f) => path.basename(f.file))).toEqual(['a.jsonl']);
    expect(MANY_FILES).toBeGreaterThan(100);
  });

  it('readTail: bounded, drops the partial first line, flags a half-written last line', async () => {
    const d = tempDir();
    const f = path.join(d, 'x.jsonl');
    fs.writeFileSync(f, 'a'.repeat(100) + '\n{"n":1}\n{"n":2}\n{"n":');
    const t = await readTail(f, 30);
    expect(t.lines).toEqual(['{"n":1}', '{"n":2}']);
    expect(t.halfWritten).toBe(true);
    const all = await readTail(f);
    expect(all.lines).toHaveLength(3);
    const from = await readTail(f, 1000, 101);
    expect(from.lines).toEqual(['{"n":1}', '{"n":2}']);
    expect((await readTail(path.join(d, 'missing'))).error).toMatch(/cannot read/);
  });
});
