import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { userTurns } from './delivery-helpers.js';
import { makeTestFleet, standinAgents, type TestFleet } from '../helpers/fleet-env.js';
import { tmux, waitFor } from '../helpers/tmux.js';

function fleetOf(names: string[], extraYaml = ''): TestFleet {
  const f = makeTestFleet();
  f.writeRoster(`version: 1\n${extraYaml}agents:\n${standinAgents(f, names)}`);
  return f;
}

describe('fleet send', () => {
  it('wakes an asleep agent and delivers text from stdin byte-exactly as its first message', async () => {
    const f = fleetOf(['a1']);
    const text = 'first line\n  second: $(x) #(y) "q" \\ \t🚀\nthird;';
    const r = await f.fleet(['send', 'a1', '--json'], text);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const out = JSON.parse(r.stdout) as { runId: number; ok: boolean; results: { name: string; state: string }[] };
    expect(out.ok).toBe(true);
    expect(out.results).toEqual([expect.objectContaining({ name: 'a1', state: 'delivered', evidence: 'transcript' })]);
    expect(userTurns(f, 'a1')).toEqual([text]);
  });

  it('sends to a live agent from --file, and the run is in the ledger', async () => {
    const f = fleetOf(['a1']);
    expect((await f.fleet(['wake', 'a1'])).code).toBe(0);
    const file = path.join(f.root, 'msg.txt');
    fs.writeFileSync(file, 'from a file\n');
    const r = await f.fleet(['send', 'a1', '--file', file]);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/run 1: 1 delivered/);
    expect(userTurns(f, 'a1')).toEqual(['from a file\n']);
    const runs = JSON.parse((await f.fleet(['runs', '--json'])).stdout) as { id: number; kind: string; state: string }[];
    expect(runs).toEqual([expect.objectContaining({ id: 1, kind: 'send', state: 'finished' })]);
  });

  it('an agent still booting (woken with --no-wait a moment ago) gets the text once, intact', async () => {
    const f = fleetOf(['a1']);
    expect((await f.fleet(['wake', 'a1', '--no-wait'])).code).toBe(0);
    const text = 'right after boot\nsecond line';
    const r = await f.fleet(['send', 'a1', '--text', text]);
    expect(r.code, r.stderr).toBe(0);
    expect(userTurns(f, 'a1')).toEqual([text]);
  });

  it('--no-wake skips an asleep agent and wakes nothing', async () => {
    const f = fleetOf(['a1']);
    const r = await f.fleet(['send', 'a1', '--no-wake', '--text', 'hi']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/a1\s+skipped\s+not live \(asleep\) and --no-wake/);
    expect(() => tmux(f.socket, 'has-session', '-t', '=a1')).toThrow();
  });

  it('skips a stopped agent and says why', async () => {
    const f = fleetOf(['a1']);
    expect((await f.fleet(['stop', 'a1'])).code).toBe(0);
    const r = await f.fleet(['send', 'a1', '--text', 'hi', '--json']);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout).results[0]).toMatchObject({ state: 'skipped', reason: expect.stringMatching(/stopped/) });
  });

  it('--dry-run lists the target and sends nothing', async () => {
    const f = fleetOf(['a1']);
    const r = await f.fleet(['send', 'a1', '--text', 'hi', '--dry-run']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/dry run: 1 target/);
    expect(r.stdout).toMatch(/a1\s+asleep\s+wake\+deliver/);
    expect(fs.existsSync(path.join(f.stateDir, 'ledger.sqlite'))).toBe(false);
    expect(userTurns(f, 'a1')).toEqual([]);
  });

  describe('bad input (exit 2, nothing sent)', () => {
    it.each([
      [['send', 'a1', '--text', ''], /--text: the text is empty/],
      [['send', 'a1', '--text', '  \n '], /only white space/],
      [['send', 'a1', '--text', 'x'.repeat(300)], /300 bytes, over the limit of 200 bytes/],
      [['send', 'a1', '--text', 'a\u001b[201~b'], /bracketed-paste marker/],
      [['send', 'a1', '--text', 'x', '--file', '/etc/hostname'], /not both/],
      [['send', 'a1', '--file', '/nonexistent/msg'], /--file \/nonexistent\/msg: cannot read: ENOENT/],
      [['send', 'a1', '--file', '/'], /not a regular file/],
      [['send', 'nobody', '--text', 'x'], /unknown agent "nobody".*did you mean a1|unknown agent "nobody"/],
      [['send', 'a1', '--text', 'x', '--timeout', 'soon'], /--timeout: expected a positive whole number/],
    ])('%j', async (args, msg) => {
      const f = fleetOf(['a1'], 'defaults: { maxTextBytes: 200 }\n');
      const r = await f.fleet(args as string[]);
      expect(r.stderr).toMatch(msg);
      expect(r.code).toBe(2);
      expect(userTurns(f, 'a1')).toEqual([]);
      expect(fs.existsSync(path.join(f.stateDir, 'ledger.sqlite'))).toBe(false);
    });

    it('empty stdin', async () => {
      const f = fleetOf(['a1']);
      const r = await f.fleet(['send', 'a1'], '');
      expect(r.code).toBe(2);
      expect(r.stderr).toMatch(/stdin: the text is empty/);
    });
  });

  it('a corrupt ledger: clear error, exit 1, nothing sent, the file untouched; other verbs still work', async () => {
    const f = fleetOf(['a1']);
    expect((await f.fleet(['wake', 'a1'])).code).toBe(0);
    const ledger = path.join(f.stateDir, 'ledger.sqlite');
    const junk = Buffer.from('garbage, not SQLite\n'.repeat(100));
    fs.writeFileSync(ledger, junk, { mode: 0o600 });
    const r = await f.fleet(['send', 'a1', '--text', 'hello']);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/ledger .*ledger\.sqlite is corrupt.*nothing was written.*move it aside/);
    expect(userTurns(f, 'a1')).toEqual([]);
    expect(fs.readFileSync(ledger).equals(junk)).toBe(true);
    const ls = await f.fleet(['ls', '--json']);
    expect(ls.code, ls.stderr).toBe(0);
    expect(ls.stderr).toMatch(/could not finish interrupted runs: ledger .* is corrupt/);
    const runs = await f.fleet(['runs']);
    expect(runs.code).toBe(1);
    expect(runs.stderr).toMatch(/corrupt/);
  });

  it('--no-wake still delivers to a live agent', async () => {
    const f = fleetOf(['a1']);
    expect((await f.fleet(['wake', 'a1'])).code).toBe(0);
    await waitFor(() => tmux(f.socket, 'capture-pane', '-p', '-t', '=a1:').includes('│ > '));
    const r = await f.fleet(['send', 'a1', '--no-wake', '--text', 'live one']);
    expect(r.code).toBe(0);
    expect(userTurns(f, 'a1')).toEqual(['live one']);
  });
});
