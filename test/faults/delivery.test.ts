/**
 * Faults: delivery. Hostile text arrives byte-exact and runs nothing; an agent that never echoes is
 * `unconfirmed` (never pasted twice); a draft is never overwritten; an agent that dies mid-paste is a
 * failure with a reason; a sender killed -9 at any moment delivers each target exactly once after
 * the run is finished; one idempotency key is one run; a corrupt ledger is refused untouched.
 */
import fs from 'node:fs';
import path from 'node:path';
import { spawn } from 'node:child_process';
import { describe, expect, test } from 'vitest';
import { claudeProjectDir } from '../../src/runtimes/claude-paths.js';
import { statePaths } from '../../src/state/paths.js';
import { makeTestFleet, standinAgents, type TestFleet } from '../helpers/fleet-env.js';
import { FLEET_BIN, tmux, waitFor } from '../helpers/tmux.js';
import { roster, runFleet } from './helpers.js';

interface Result {
  name: string;
  state: string;
  reason?: string;
  attempts: number;
}
interface Summary {
  runId: number;
  created: boolean;
  results: Result[];
}

/** Every user-turn text the agent's transcripts hold, in file order. */
function userTurns(f: TestFleet, name: string): string[] {
  const dir = claudeProjectDir(f.cwd(name), { CLAUDE_CONFIG_DIR: f.claudeHome });
  const out: string[] = [];
  let files: string[];
  try {
    files = fs.readdirSync(dir).filter((x) => x.endsWith('.jsonl'));
  } catch {
    return out;
  }
  for (const file of files) {
    for (const line of fs.readFileSync(path.join(dir, file), 'utf8').split('\n')) {
      if (!line.trim()) continue;
      try {
        const r = JSON.parse(line) as { type?: string; message?: { content?: unknown } };
        if (r.type === 'user' && typeof r.message?.content === 'string') out.push(r.message.content);
      } catch {
        /* half-written line */
      }
    }
  }
  return out;
}

async function liveStandins(names: string[], extraAgents = ''): Promise<TestFleet> {
  const f = makeTestFleet();
  f.writeRoster(roster(standinAgents(f, names) + extraAgents));
  const woken = await Promise.all(names.map((n) => runFleet(f, ['wake', n, '--json'])));
  for (const w of woken) expect(w.code, w.stderr).toBe(0);
  return f;
}

const summary = (stdout: string): Summary => JSON.parse(stdout) as Summary;
const resultOf = (s: Summary, name: string): Result | undefined => s.results.find((r) => r.name === name);

describe('hostile text', () => {
  const HOSTILE = [
    '$(touch PWNED1) `touch PWNED2` ; touch PWNED3 && echo "q" \'q\' \\ | > /tmp/x',
    '#(touch PWNED4) #{session_name} #[fg=red] ##',
    '-t =other -- --help',
    'ünïcødé 日本語 🚀 \u200b zero-width, tabs\there',
    'line one\nline two\n\n  indented line four',
    'ESC\u001b]52;c;cHduZWQ=\u0007 and CSI \u001b[2J and C1 \u009b31m',
  ].join('\n');

  test('hostile text (shell, tmux formats, flags, unicode, newlines, escapes) via stdin arrives byte-exact and runs nothing', async () => {
    const f = await liveStandins(['h1']);
    const r = await runFleet(f, ['send', 'h1', '--json'], { input: HOSTILE, cwd: f.cwd('h1') });
    expect(r.code, r.stderr).toBe(0);
    expect(resultOf(summary(r.stdout), 'h1')).toMatchObject({ state: 'delivered', attempts: 1 });
    expect(userTurns(f, 'h1').filter((t) => t === HOSTILE)).toHaveLength(1);
    for (const dir of [f.root, f.cwd('h1'), process.cwd()]) {
      expect(fs.readdirSync(dir).filter((x) => x.startsWith('PWNED'))).toEqual([]);
    }
  }, 60_000);

  test('the same hostile text via --file arrives byte-exact, once', async () => {
    const f = await liveStandins(['h2']);
    const file = path.join(f.root, 'task.txt');
    fs.writeFileSync(file, HOSTILE);
    const r = await runFleet(f, ['send', 'h2', '--file', file, '--json']);
    expect(r.code, r.stderr).toBe(0);
    expect(userTurns(f, 'h2').filter((t) => t === HOSTILE)).toHaveLength(1);
  }, 60_000);

  test.each([
    ['a bracketed-paste end marker', 'before\u001b[201~after; touch PWNED', /bracketed-paste marker/],
    ['a NUL byte', 'a\u0000b', /NUL/],
    ['only white space', '  \n\t ', /white space/],
  ])('text holding %s is refused (exit 2) before anything is pasted', async (_what, text, why) => {
    const f = await liveStandins(['h3']);
    const before = userTurns(f, 'h3');
    const r = await runFleet(f, ['send', 'h3'], { input: text });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(why);
    expect(userTurns(f, 'h3')).toEqual(before);
  }, 60_000);

  test('text over maxTextBytes is refused (exit 2) naming the size and the limit; nothing is pasted', async () => {
    const f = makeTestFleet();
    f.writeRoster(roster(standinAgents(f, ['h4']), 'defaults: { maxTextBytes: 1000 }\n'));
    const r = await runFleet(f, ['send', 'h4'], { input: 'x'.repeat(1001) });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/1001 bytes, over the limit of 1000/);
    expect(userTurns(f, 'h4')).toEqual([]);
  }, 30_000);

  test('send to a name not in the roster exits 2 with a did-you-mean, and no session is created', async () => {
    const f = await liveStandins(['coder']);
    const r = await runFleet(f, ['send', 'codr', '--text', 'hi']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/unknown agent "codr"/);
    expect(r.stderr).toMatch(/did you mean coder/);
    expect(tmux(f.socket, 'list-sessions', '-F', '#{session_name}')).not.toMatch(/codr/);
  }, 60_000);
});

describe('unlucky agents', () => {
  test('an agent that never echoes nor records: unconfirmed with a reason, pasted once (never blindly twice)', async () => {
    const f = makeTestFleet();
    f.writeRoster(roster(`  - name: mute\n    runtime: claude\n    cwd: ${f.cwd('mute')}\n    command: sh -c 'stty -echo; exec cat > /dev/null'\n`));
    tmux(f.socket, 'new-session', '-d', '-s', 'mute', '-c', f.cwd('mute'), "sh -c 'stty -echo; exec cat > /dev/null'");
    const r = await runFleet(f, ['send', 'mute', '--text', 'are you there?', '--timeout', '3000', '--json']);
    const res = resultOf(summary(r.stdout), 'mute');
    expect(res?.state).toBe('unconfirmed');
    expect(res?.reason).toBeTruthy();
    expect(res?.attempts).toBe(1);
  }, 60_000);

  test('a composer holding the operator\'s draft: deferred, the draft untouched, nothing submitted', async () => {
    const f = await liveStandins(['d1']);
    const before = userTurns(f, 'd1');
    tmux(f.socket, 'send-keys', '-t', '=d1:', '-l', 'half typed thought');
    await waitFor(() => /│ > half typed thought/.test(tmux(f.socket, 'capture-pane', '-p', '-t', '=d1:')), { what: 'draft on screen' });
    const r = await runFleet(f, ['send', 'd1', '--text', 'run the tests', '--json']);
    const res = resultOf(summary(r.stdout), 'd1');
    expect(res?.state).toBe('deferred');
    expect(res?.reason).toMatch(/draft/);
    expect(res?.attempts).toBe(0);
    expect(tmux(f.socket, 'capture-pane', '-p', '-t', '=d1:')).toMatch(/│ > half typed thought\s*│/);
    expect(userTurns(f, 'd1')).toEqual(before);
  }, 60_000);

  test('an agent that exits mid-paste: failed (exit 1) saying the agent exited, never reported delivered; fleet does not hang', async () => {
    const f = makeTestFleet();
    const cmd = "sh -c 'head -c 1 > /dev/null; exit 7'";
    f.writeRoster(roster(`  - name: quitter\n    runtime: claude\n    cwd: ${f.cwd('quitter')}\n    command: ${JSON.stringify(cmd)}\n`));
    tmux(f.socket, 'new-session', '-d', '-s', 'quitter', '-c', f.cwd('quitter'), cmd);
    tmux(f.socket, 'set-option', '-t', '=quitter:', 'remain-on-exit', 'on');
    const r = await runFleet(f, ['send', 'quitter', '--text', 'a long task '.repeat(50), '--timeout', '3000', '--json', '--no-wake']);
    expect(r.ms).toBeLessThan(30_000);
    const res = resultOf(summary(r.stdout), 'quitter');
    expect(res?.state).toBe('failed');
    expect(res?.reason).toMatch(/the agent exited|session .*(gone|vanished)/);
    expect(r.code).toBe(1);
  }, 60_000);

  test('send to a stopped agent is skipped with the reason, and it stays asleep', async () => {
    const f = makeTestFleet();
    f.writeRoster(roster(standinAgents(f, ['st1'])));
    expect((await runFleet(f, ['stop', 'st1'])).code).toBe(0);
    const r = await runFleet(f, ['send', 'st1', '--text', 'hello', '--json']);
    const res = resultOf(summary(r.stdout), 'st1');
    expect(res?.state).toBe('skipped');
    expect(res?.reason).toMatch(/stopped/);
    const ls = JSON.parse((await runFleet(f, ['ls', '--json'])).stdout) as { state: string }[];
    expect(ls[0]?.state).toBe('stopped');
  }, 30_000);
});

describe('selectors and questions', () => {
  test('a broadcast whose selectors match nothing (glob, class, unknown kind, typo) sends nothing and names each selector with why', async () => {
    const f = await liveStandins(['coder']);
    const before = userTurns(f, 'coder');
    const r = await runFleet(f, ['broadcast', 'zz*', 'class:nope', 'bogus:x', 'codr', '--text', 'hello']);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toMatch(/nothing was sent/);
    expect(r.stderr).toMatch(/zz\*: no agent name matches/);
    expect(r.stderr).toMatch(/class:nope/);
    expect(r.stderr).toMatch(/unknown selector kind "bogus:"/);
    expect(r.stderr).toMatch(/did you mean coder/);
    expect(userTurns(f, 'coder')).toEqual(before);
  }, 60_000);

  test('an agent asking the operator a question: a send is deferred, never typed into the dialog', async () => {
    const f = await liveStandins(['q1']);
    const ask = await runFleet(f, ['send', 'q1', '--text', '/ask May I delete the build dir?', '--json']);
    expect(ask.code, ask.stderr).toBe(0);
    await waitFor(() => /Do you want to proceed\?/.test(tmux(f.socket, 'capture-pane', '-p', '-t', '=q1:')), { what: 'question on screen' });
    const r = await runFleet(f, ['send', 'q1', '--text', '1', '--json']);
    const res = resultOf(summary(r.stdout), 'q1');
    expect(res?.state).toBe('deferred');
    expect(res?.reason).toMatch(/question/);
    expect(userTurns(f, 'q1')).not.toContain('answer: yes');
    expect(tmux(f.socket, 'capture-pane', '-p', '-t', '=q1:')).toMatch(/Do you want to proceed\?/);
  }, 60_000);
});

describe('durable broadcasts', () => {
  test.each([100, 400, 900])('sender killed -9 after %i ms: finishing the run delivers each of 4 targets exactly once', async (delay) => {
    const names = ['k1', 'k2', 'k3', 'k4'];
    const f = await liveStandins(names);
    const text = `durable task ${delay} ${Date.now()}`;
    const key = `kill-${delay}`;
    const child = spawn(process.execPath, [FLEET_BIN, 'broadcast', ...names, '--text', text, '--idempotency-key', key, '--json'], { env: f.env, stdio: 'ignore' });
    const exited = new Promise((r) => child.once('exit', r));
    await new Promise((r) => setTimeout(r, delay)); // the kill moment is the input under test
    child.kill('SIGKILL'); // a no-op when the run already finished: rerunning must then send nothing
    await exited;
    const again = await runFleet(f, ['broadcast', ...names, '--text', text, '--idempotency-key', key, '--json']);
    expect(again.code, again.stderr).toBe(0);
    const s = summary(again.stdout);
    for (const n of names) {
      expect(['delivered', 'unconfirmed']).toContain(resultOf(s, n)?.state);
      await waitFor(() => userTurns(f, n).includes(text), { timeoutMs: 15_000, what: `${n} got the text` });
      expect(userTurns(f, n).filter((t) => t === text), n).toHaveLength(1);
    }
  }, 120_000);

  test('two broadcasts with the same idempotency key at once: one run, each target gets the text once', async () => {
    const names = ['i1', 'i2', 'i3'];
    const f = await liveStandins(names);
    const text = `only once ${Date.now()}`;
    const [a, b] = await Promise.all([
      runFleet(f, ['broadcast', ...names, '--text', text, '--idempotency-key', 'same', '--json']),
      runFleet(f, ['broadcast', ...names, '--text', text, '--idempotency-key', 'same', '--json']),
    ]);
    // the second returns the same run, or refuses naming the run and the process delivering it, or (under
    // load) refuses because the ledger stayed locked past its busy timeout, having written nothing
    const [first, second] = a.code === 0 && summary(a.stdout).created ? [a, b] : [b, a];
    expect(first.code, `first: ${first.stderr}\nsecond: ${second.code} ${second.stderr}`).toBe(0);
    const s1 = summary(first.stdout);
    expect(s1.created).toBe(true);
    if (second.code === 0) {
      expect(summary(second.stdout)).toMatchObject({ runId: s1.runId, created: false });
    } else {
      expect(second.stderr, second.stdout).toMatch(
        new RegExp(`run ${s1.runId} is being delivered by another fleet process \\(pid \\d+\\)|ledger .* is locked by another process .*nothing was written`),
      );
    }
    for (const n of names) {
      await waitFor(() => userTurns(f, n).includes(text), { timeoutMs: 15_000, what: `${n} got the text` });
      expect(userTurns(f, n).filter((t) => t === text)).toHaveLength(1);
    }
  }, 90_000);

  test('a corrupt ledger is refused with a message naming it; the file is left byte-for-byte untouched', async () => {
    const f = makeTestFleet();
    f.writeRoster(roster(standinAgents(f, ['l1'])));
    const p = statePaths(f.stateDir);
    fs.mkdirSync(p.agentsDir, { recursive: true, mode: 0o700 });
    fs.chmodSync(f.stateDir, 0o700);
    const junk = Buffer.concat([Buffer.from('SQLite format 3\u0000'), Buffer.alloc(4096, 0xab)]);
    fs.writeFileSync(p.ledger, junk, { mode: 0o600 });
    for (const args of [['broadcast', 'l1', '--text', 'hi'], ['runs']]) {
      const r = await runFleet(f, args);
      expect(r.code, args.join(' ')).not.toBe(0);
      expect(r.stderr).toContain(p.ledger);
    }
    expect(fs.readFileSync(p.ledger).equals(junk)).toBe(true);
    expect(userTurns(f, 'l1')).toEqual([]);
  }, 30_000);
});
