import fs from 'node:fs';
import path from 'node:path';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { deliverToLive } from '../../src/delivery/deliver.js';
import type { AgentSpec } from '../../src/domain/types.js';
import { claudeProjectDir } from '../../src/runtimes/claude-paths.js';
import { TmuxClient } from '../../src/tmux/client.js';
import { killTestServer, STANDIN, tempDir, testSocket, waitFor } from '../helpers/tmux.js';

/** Real tmux on a private socket, the stand-in agent, the real claude adapter. */
let sockets: string[] = [];
afterEach(() => {
  for (const s of sockets) killTestServer(s);
  sockets = [];
});

beforeAll(() => {
  if (!fs.existsSync(STANDIN)) throw new Error('run `node scripts/build.mjs` first (dist/standin.js missing)');
});

interface Agent {
  tmux: TmuxClient;
  spec: AgentSpec;
  root: string;
  /** Every user-turn text the stand-in recorded, in order, across its session files. */
  userTurns(): string[];
}

async function startAgent(extraArgs = ''): Promise<Agent> {
  const root = tempDir();
  const cwd = path.join(root, 'work');
  const home = path.join(root, 'claude');
  fs.mkdirSync(cwd, { recursive: true });
  const socket = testSocket();
  sockets.push(socket);
  const tmux = new TmuxClient(socket);
  await tmux.ensureHolder();
  const spec: AgentSpec = {
    name: 'agent', runtime: 'claude', cwd, class: undefined, tags: [], command: undefined, reset: undefined,
    kickstart: undefined, env: { CLAUDE_CONFIG_DIR: home }, managed: 'fleet', transcripts: undefined, idleSecs: undefined,
  };
  await tmux.newSession({ name: 'agent', cwd, command: `node ${STANDIN} --work-ms 100 ${extraArgs}`, env: spec.env, width: 120, height: 40 });
  await waitFor(async () => (await tmux.capturePane('agent')).includes('│ > '), { timeoutMs: 15_000, what: 'stand-in composer' });
  const dir = claudeProjectDir(cwd, { CLAUDE_CONFIG_DIR: home });
  return {
    tmux,
    spec,
    root,
    userTurns() {
      if (!fs.existsSync(dir)) return [];
      const out: string[] = [];
      for (const f of fs.readdirSync(dir).filter((x) => x.endsWith('.jsonl'))) {
        for (const line of fs.readFileSync(path.join(dir, f), 'utf8').split('\n')) {
          if (!line) continue;
          const r = JSON.parse(line) as { type: string; message?: { content?: string } };
          if (r.type === 'user' && typeof r.message?.content === 'string') out.push(r.message.content);
        }
      }
      return out;
    },
  };
}

async function roundTrip(text: string): Promise<void> {
  const a = await startAgent();
  const r = await deliverToLive(a.tmux, a.spec, text, { verifyTimeoutMs: 15_000 });
  expect(r).toMatchObject({ state: 'delivered', evidence: 'transcript', attempts: 1 });
  // Byte-exact: what the agent recorded is exactly what was sent, once.
  const turns = a.userTurns();
  expect(turns).toHaveLength(1);
  expect(Buffer.from(turns[0]!, 'utf8').equals(Buffer.from(text, 'utf8'))).toBe(true);
}

describe('deliverToLive against the stand-in: byte-exact hostile text', () => {
  it('leading dash', () => roundTrip('-n --help -- -t =other: rm'));
  it('trailing semicolon', () => roundTrip('echo done;'));
  it('quotes of every kind', () => roundTrip(`"double" 'single' \`back\` “curly” ‘curly’`));
  it('shell substitution $(…) and ${…}', () => roundTrip('$(touch /tmp/fleet-pwned) ${HOME} $PATH `id`'));
  it('tmux format #(…) #{…} #S is not run or expanded', async () => {
    const a = await startAgent();
    const marker = path.join(a.root, 'pwned');
    const text = `#(touch ${marker}) #{session_name} #S ##`;
    const r = await deliverToLive(a.tmux, a.spec, text, { verifyTimeoutMs: 15_000 });
    expect(r.state).toBe('delivered');
    expect(a.userTurns()).toEqual([text]);
    expect(fs.existsSync(marker)).toBe(false);
  });
  it('backslashes', () => roundTrip('C:\\path\\to\\file \\n \\\\ \\t \\e[31m \\'));
  it('tabs', () => roundTrip('col1\tcol2\t\tcol3\t'));
  it('CR, LF and CRLF inside the text', () => roundTrip('line1\r\nline2\rline3\nline4'));
  it('multi-line', () => roundTrip(Array.from({ length: 40 }, (_, i) => `line ${i}: ${'x'.repeat(i)}`).join('\n')));
  it('emoji and other non-ASCII', () => roundTrip('héllo wörld — 日本語 🚀 👩‍👩‍👧 ∑∫ Ωμέγα ﷽ \u00a0nbsp'));
  it('64 KB', () => {
    let s = '';
    let i = 0;
    while (Buffer.byteLength(s) < 64 * 1024) s += `${i++} the quick brown fox; $(x) "q" \\ ñ\n`;
    return roundTrip(s.slice(0, 64 * 1024));
  });
});

describe('deliverToLive against the stand-in: drafts and verification', () => {
  it('defers when the operator has a half-typed draft, and leaves it untouched', async () => {
    const a = await startAgent();
    await a.tmux.sendLiteral('agent', 'my own half thought');
    await waitFor(async () => (await a.tmux.capturePane('agent')).includes('my own half thought'));
    const r = await deliverToLive(a.tmux, a.spec, 'broadcast text', { verifyTimeoutMs: 5_000 });
    expect(r.state).toBe('deferred');
    expect(a.userTurns()).toEqual([]);
    expect(await a.tmux.capturePane('agent')).toContain('│ > my own half thought');
  });

  it('defers while the agent asks the operator a question', async () => {
    const a = await startAgent('--ask "Delete everything?"');
    await waitFor(async () => (await a.tmux.capturePane('agent')).includes('Do you want to proceed?'));
    const r = await deliverToLive(a.tmux, a.spec, '1', { verifyTimeoutMs: 5_000 });
    expect(r.state).toBe('deferred');
    expect(a.userTurns()).toEqual([]);
  });

  it('delivers to a busy agent (the stand-in records turns while working)', async () => {
    const a = await startAgent();
    expect((await deliverToLive(a.tmux, a.spec, '/work 3000', { verifyTimeoutMs: 15_000 })).state).toBe('delivered');
    expect((await deliverToLive(a.tmux, a.spec, 'second', { verifyTimeoutMs: 15_000 })).state).toBe('delivered');
    expect(a.userTurns()).toEqual(['/work 3000', 'second']);
  });

  it('fails with the reason when there is no session', async () => {
    const a = await startAgent();
    await a.tmux.killSession('agent');
    const r = await deliverToLive(a.tmux, a.spec, 'x', { verifyTimeoutMs: 2_000 });
    expect(r.state).toBe('failed');
    expect(r.reason).toMatch(/no live session/);
  });
});
