/**
 * Faults: roster and state input. Every bad input gives a clear message naming the file, line:col and
 * field, exit code 2 through the CLI, and nothing is rewritten or lost.
 */
import fs from 'node:fs';
import path from 'node:path';
import { execFileSync } from 'node:child_process';
import { describe, expect, test } from 'vitest';
import { ConfigError } from '../../src/domain/errors.js';
import { loadRoster, MAX_ROSTER_BYTES } from '../../src/state/roster-file.js';
import { readAgentFiles } from '../../src/state/files.js';
import { statePaths } from '../../src/state/paths.js';
import { makeTestFleet, standinAgents } from '../helpers/fleet-env.js';
import { tempDir, waitFor } from '../helpers/tmux.js';
import { roster, runFleet, startCockpit, TERMINAL_CONTROL, waitScreen } from './helpers.js';

function work(): { dir: string; file: string; cwd: string } {
  const dir = tempDir();
  const cwd = path.join(dir, 'w');
  fs.mkdirSync(cwd);
  return { dir, file: path.join(dir, 'fleet.yaml'), cwd };
}

/** Loads roster text from a temp file; returns the ConfigError's message (fails if it loads). */
function rosterError(text: string | Buffer): { message: string; file: string; cwd: string } {
  const w = work();
  fs.writeFileSync(w.file, typeof text === 'string' ? text.replaceAll('$CWD', w.cwd) : text);
  try {
    loadRoster(w.file);
  } catch (e) {
    expect(e).toBeInstanceOf(ConfigError);
    expect((e as ConfigError).exitCode).toBe(2);
    return { message: (e as Error).message, file: w.file, cwd: w.cwd };
  }
  throw new Error('the roster loaded, but it should have been refused');
}

const agent = (name: string, extra = ''): string => `  - name: ${name}\n    cwd: $CWD\n${extra}`;

describe('roster input', () => {
  test('a YAML alias bomb ("billion laughs") is refused quickly with a hint about aliases', () => {
    const lines = ['version: 1', 'a0: &a0 [x, x, x, x, x, x, x, x, x, x]'];
    for (let i = 1; i < 12; i++) lines.push(`a${i}: &a${i} [${Array(10).fill(`*a${i - 1}`).join(', ')}]`);
    lines.push('agents: []');
    const t0 = Date.now();
    const { message, file } = rosterError(lines.join('\n') + '\n');
    expect(Date.now() - t0).toBeLessThan(5_000);
    expect(message).toContain(file);
    expect(message).toMatch(/alias/i);
  });

  test('a roster that uses a few aliases legitimately still loads (no over-refusal)', () => {
    const w = work();
    fs.writeFileSync(w.file, `version: 1\nagents:\n  - name: a1\n    cwd: ${w.cwd}\n    tags: &t [api, web]\n  - name: a2\n    cwd: ${w.cwd}\n    tags: *t\n`);
    const r = loadRoster(w.file);
    expect(r.agents.map((a) => a.tags)).toEqual([['api', 'web'], ['api', 'web']]);
  });

  test('duplicate mapping keys are refused with line:col, not silently last-one-wins', () => {
    const { message, file } = rosterError(roster(`  - name: a1\n    cwd: $CWD\n    name: a2\n`));
    expect(message).toContain(`${file}:5:5`);
    expect(message).toMatch(/unique/i);
  });

  test('duplicate agent names are refused, naming both entries', () => {
    const { message, file } = rosterError(roster(agent('coder') + agent('coder')));
    expect(message).toContain(`${file}:5:`);
    expect(message).toContain('agents[1].name');
    expect(message).toContain('duplicate agent name "coder"');
    expect(message).toContain('agents[0]');
  });

  test('a class written as 0800 (YAML number) is refused with a hint to quote it', () => {
    const { message } = rosterError(roster(agent('a1', '    class: 0800\n')));
    expect(message).toContain('agents[0].class');
    expect(message).toMatch(/read this as a number/);
    expect(message).toMatch(/quote it/);
  });

  test('a tag written as 1.10 (YAML float 1.1) is refused with a hint to quote it, not stored as "1.1"', () => {
    const { message } = rosterError(roster(agent('a1', '    tags: [1.10]\n')));
    expect(message).toContain('agents[0].tags[0]');
    expect(message).toMatch(/quote it/);
  });

  test('the "Norway problem": tags [no, yes, on] stay text (YAML 1.2), never booleans', () => {
    const w = work();
    fs.writeFileSync(w.file, `version: 1\nagents:\n  - name: a1\n    cwd: ${w.cwd}\n    tags: [no, yes, on]\n    class: off\n`);
    const r = loadRoster(w.file);
    expect(r.agents[0]?.tags).toEqual(['no', 'yes', 'on']);
    expect(r.agents[0]?.class).toBe('off');
  });

  test('a bare true where text is expected is refused with the true/false hint', () => {
    const { message } = rosterError(roster(agent('a1', '    class: true\n')));
    expect(message).toContain('agents[0].class');
    expect(message).toMatch(/true\/false; quote it/);
  });

  test('version "1" (a string) or 2 is refused naming the version field', () => {
    expect(rosterError(`version: 2\nagents: []\n`).message).toMatch(/version: must be 1/);
    expect(rosterError(`version: "1"\nagents: []\n`).message).toMatch(/version/);
  });

  test(`a roster larger than ${MAX_ROSTER_BYTES} bytes is refused before parsing, naming its size`, () => {
    const big = roster(agent('a1')) + '# ' + 'x'.repeat(MAX_ROSTER_BYTES) + '\n';
    const t0 = Date.now();
    const { message, file } = rosterError(big);
    expect(Date.now() - t0).toBeLessThan(5_000);
    expect(message).toContain(file);
    expect(message).toMatch(/\d+ bytes; the limit is \d+/);
  });

  test('an empty roster file says so and points at fleet init', () => {
    const { message } = rosterError('');
    expect(message).toMatch(/the roster is empty/);
    expect(message).toMatch(/fleet init/);
  });

  test('a binary roster (NUL bytes, invalid UTF-8) is refused with a YAML error naming the file', () => {
    const { message, file } = rosterError(Buffer.from([0x76, 0x00, 0xff, 0xfe, 0x3a, 0x0a, 0x00, 0x00, 0x9b]));
    expect(message).toContain(file);
    expect(message).toMatch(/YAML/);
    expect(message).not.toMatch(TERMINAL_CONTROL);
  });

  test('a tab-indented roster gives a YAML error with line and column', () => {
    const { message, file } = rosterError(`version: 1\nagents:\n\t- name: a1\n`);
    expect(message).toMatch(new RegExp(`${file.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}:3:\\d+`));
    expect(message).toMatch(/YAML/);
  });

  test('an unknown key is refused with a did-you-mean hint and its line', () => {
    const { message, file } = rosterError(roster(agent('a1', '    comand: claude\n')));
    expect(message).toContain(`${file}:5:5`);
    expect(message).toContain('unknown key "comand"');
    expect(message).toContain('did you mean "command"?');
  });

  test('a cwd that does not exist is refused, naming the directory and how to create it', () => {
    const { message } = rosterError(roster(`  - name: a1\n    cwd: /nonexistent/fleet-x/dir\n`));
    expect(message).toContain('agents[0].cwd');
    expect(message).toContain('/nonexistent/fleet-x/dir does not exist');
    expect(message).toContain('mkdir -p');
  });

  test('an env key that is not a variable name (e.g. "A=B; rm") is refused', () => {
    const { message } = rosterError(roster(agent('a1', '    env: { "A=B; rm -rf": x }\n')));
    expect(message).toMatch(/agents\[0\]\.env/);
    expect(message).toContain('A=B; rm -rf');
    expect(message).toMatch(/key/i);
  });

  test.each([
    ['"default"', /operator's own tmux server/],
    ['"../../tmp/evil"', /path separator|\.\./],
    ['"a b"', /must match/],
  ])('tmux.socket %s is refused (it would reach the operator\'s server or escape the socket dir)', (sock, why) => {
    const { message } = rosterError(roster(agent('a1'), `tmux: { socket: ${sock} }\n`));
    expect(message).toContain('tmux.socket');
    expect(message).toMatch(why);
  });

  test('a roster that is a directory is refused as "not a regular file"', () => {
    const w = work();
    fs.mkdirSync(w.file);
    expect(() => loadRoster(w.file)).toThrow(/is not a regular file/);
  });
});

describe('agent names that tmux would rewrite or execute', () => {
  test.each([
    ['x#(touch /tmp/pwned)', /"#"/],
    ['a.b', /"\." or ":"/],
    ['a:b', /"\." or ":"/],
    ['my agent', /white space/],
    ['Coder', /upper-case/],
    ['c\u043ender', /only hold lower-case letters/], // Cyrillic "о": looks like "coder"
    ['ｃoder', /lower-case letter/], // full-width c
    ['9lives', /start with a lower-case letter/],
    ['a'.repeat(33), /33 characters long/],
    ['', /is empty/],
  ])('name %j is refused with a reason, never fixed up', (name, why) => {
    const { message } = rosterError(roster(`  - name: ${JSON.stringify(name)}\n    cwd: $CWD\n`));
    expect(message).toContain('agents[0].name');
    expect(message).toMatch(why);
    expect(message).toContain('^[a-z][a-z0-9-]{0,31}$');
  });
  test('a name holding an escape sequence is refused and the message shows it escaped (no raw ESC)', () => {
    const { message } = rosterError(roster(`  - name: "a\\u001b]0;pwned\\u0007b"\n    cwd: $CWD\n`));
    expect(message).toContain('agents[0].name');
    expect(message).toContain('\\u001b');
    expect(message).not.toMatch(/[\u001b\u0007]/);
  });
});

describe('roster file faults through the CLI', () => {
  test('a bad roster exits 2, prints file:line:col, and the roster bytes are left untouched', async () => {
    const f = makeTestFleet();
    const text = roster(`  - name: a1\n    cwd: ${f.cwd('a1')}\n    runtme: claude\n`);
    f.writeRoster(text);
    const before = fs.statSync(f.roster).mtimeMs;
    for (const verb of [['ls'], ['doctor'], ['ls', '--json']]) {
      const r = await runFleet(f, verb);
      expect(r.code, verb.join(' ')).not.toBe(0);
      expect(r.stdout + r.stderr).toContain(`${f.roster}:5:5`);
    }
    expect((await runFleet(f, ['ls'])).code).toBe(2);
    expect(fs.readFileSync(f.roster, 'utf8')).toBe(text);
    expect(fs.statSync(f.roster).mtimeMs).toBe(before);
  });

  test('a missing roster exits 2 and points at fleet init; nothing is created in its place', async () => {
    const f = makeTestFleet();
    const r = await runFleet(f, ['ls']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(`no roster at ${f.roster}`);
    expect(r.stderr).toContain('fleet init');
    expect(fs.existsSync(f.roster)).toBe(false);
  });

  test('a symlinked roster is read through the link and never replaced (init refuses to overwrite it)', async () => {
    const f = makeTestFleet();
    const real = path.join(f.root, 'dotfiles', 'fleet.yaml');
    fs.mkdirSync(path.dirname(real));
    const text = roster(`  - name: a1\n    cwd: ${f.cwd('a1')}\n`);
    fs.writeFileSync(real, text);
    fs.symlinkSync(real, f.roster);
    const ls = await runFleet(f, ['ls', '--json']);
    expect(ls.code).toBe(0);
    expect(JSON.parse(ls.stdout).map((r: { name: string }) => r.name)).toEqual(['a1']);
    const init = await runFleet(f, ['init']);
    expect(init.code).toBe(1);
    expect(init.stderr).toMatch(/already exists; not overwriting/);
    expect(fs.lstatSync(f.roster).isSymbolicLink()).toBe(true);
    expect(fs.readFileSync(real, 'utf8')).toBe(text);
  });

  test('a dangling roster symlink is reported as a missing roster (exit 2), not a crash', async () => {
    const f = makeTestFleet();
    fs.symlinkSync(path.join(f.root, 'gone.yaml'), f.roster);
    const r = await runFleet(f, ['ls']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(`no roster at ${f.roster}`);
  });

  test('a roster deleted between two runs: the next run exits 2 and the state dir keeps every agent file', async () => {
    const f = makeTestFleet();
    f.writeRoster(roster(`  - name: a1\n    cwd: ${f.cwd('a1')}\n`));
    expect((await runFleet(f, ['ls'])).code).toBe(0);
    const flag = statePaths(f.stateDir).stopped('a1');
    fs.writeFileSync(flag, 'x', { mode: 0o600 });
    fs.rmSync(f.roster);
    const r = await runFleet(f, ['ls']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('no roster at');
    expect(fs.readFileSync(flag, 'utf8')).toBe('x');
  });

  test('a roster replaced by a bad one between runs: refused; the good agents\' state stays; fixing it recovers', async () => {
    const f = makeTestFleet();
    const good = roster(`  - name: a1\n    cwd: ${f.cwd('a1')}\n`);
    f.writeRoster(good);
    expect((await runFleet(f, ['ls'])).code).toBe(0);
    fs.writeFileSync(statePaths(f.stateDir).stopped('a1'), 'x', { mode: 0o600 });
    f.writeRoster('version: 1\nagents: [ {name: a1, cwd: ');
    const bad = await runFleet(f, ['ls']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/YAML/);
    f.writeRoster(good);
    const again = await runFleet(f, ['ls', '--json']);
    expect(again.code).toBe(0);
    expect(JSON.parse(again.stdout)[0]).toMatchObject({ name: 'a1', state: 'stopped', stopped: true });
  });
});

describe('state files with garbage', () => {
  test('a wake record holding garbage reads as none (no crash), and is not deleted', () => {
    const dir = tempDir();
    const p = statePaths(dir);
    fs.mkdirSync(p.agentsDir, { recursive: true });
    for (const junk of ['', '{', 'null', '[]', '{"wokenAt":"soon"}', '\u0000\u0001\u0002', '{"wokenAt":1e999}']) {
      fs.writeFileSync(p.wake('a1'), junk);
      expect(readAgentFiles(p, 'a1').wake).toBeNull();
      expect(fs.readFileSync(p.wake('a1'), 'utf8')).toBe(junk);
    }
  });

  test('fleet ls with garbage wake records, a stop flag that is a directory and stray temp files still lists every agent', async () => {
    const f = makeTestFleet();
    f.writeRoster(roster(`  - name: a1\n    cwd: ${f.cwd('a1')}\n  - name: a2\n    cwd: ${f.cwd('a2')}\n`));
    const p = statePaths(f.stateDir);
    fs.mkdirSync(p.agentsDir, { recursive: true, mode: 0o700 });
    fs.chmodSync(f.stateDir, 0o700);
    fs.writeFileSync(p.wake('a1'), '\u0000garbage{{{');
    fs.mkdirSync(p.stopped('a2'));
    fs.writeFileSync(path.join(p.agentsDir, '.a1.wake.json.123.tmp'), 'half-written');
    fs.writeFileSync(path.join(p.agentsDir, 'not-an-agent.wake.json'), '{}');
    const r = await runFleet(f, ['ls', '--json']);
    expect(r.code).toBe(0);
    const rows = JSON.parse(r.stdout) as { name: string; state: string }[];
    expect(rows.map((x) => [x.name, x.state])).toEqual([
      ['a1', 'asleep'],
      ['a2', 'stopped'],
    ]);
    expect(fs.readFileSync(p.wake('a1'), 'utf8')).toBe('\u0000garbage{{{');
  });

  test('a state dir path that is a regular file is refused with a clear message (exit 2), the file untouched', async () => {
    const f = makeTestFleet();
    f.writeRoster(roster(`  - name: a1\n    cwd: ${f.cwd('a1')}\n`));
    fs.writeFileSync(f.stateDir, 'precious');
    const r = await runFleet(f, ['ls']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(f.stateDir);
    expect(fs.readFileSync(f.stateDir, 'utf8')).toBe('precious');
  });

  test('an agents/ path that is a regular file is refused (exit 2), the file untouched', async () => {
    const f = makeTestFleet();
    f.writeRoster(roster(`  - name: a1\n    cwd: ${f.cwd('a1')}\n`));
    fs.mkdirSync(f.stateDir, { mode: 0o700 });
    fs.writeFileSync(path.join(f.stateDir, 'agents'), 'precious');
    const r = await runFleet(f, ['ls']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(path.join(f.stateDir, 'agents'));
    expect(fs.readFileSync(path.join(f.stateDir, 'agents'), 'utf8')).toBe('precious');
  });
});

describe('roster changes under a running cockpit', () => {
  const agentLine = (screen: string, name: string): boolean => new RegExp(`^\\S*\\s+${name}\\s+claude\\s`, 'm').test(screen);

  test('roster deleted while the cockpit runs: a banner says so, the last good roster stays on screen, the cockpit keeps running', async () => {
    const f = makeTestFleet();
    f.writeRoster(roster(`  - name: a1\n    cwd: ${f.cwd('a1')}\n  - name: a2\n    cwd: ${f.cwd('a2')}\n`));
    const c = startCockpit(f);
    await waitScreen(c, (sc) => agentLine(sc, 'a2'), 'grid', 20_000);
    const pid = c.cockpitPid();
    fs.rmSync(f.roster);
    await waitScreen(c, (sc) => /roster error/.test(sc), 'roster banner');
    expect(agentLine(c.screen(), 'a1') && agentLine(c.screen(), 'a2')).toBe(true);
    expect(c.cockpitPid()).toBe(pid);
  }, 60_000);

  test('roster replaced by a bad edit while the cockpit runs: the banner names line:col, the grid keeps the last good roster; the fix is picked up', async () => {
    const f = makeTestFleet();
    f.writeRoster(roster(`  - name: a1\n    cwd: ${f.cwd('a1')}\n`));
    const c = startCockpit(f);
    await waitScreen(c, (sc) => agentLine(sc, 'a1'), 'grid', 20_000);
    f.writeRoster(roster(`  - name: a1\n    cwd: ${f.cwd('a1')}\n  - name: Bad.Name\n    cwd: ${f.cwd('a1')}\n`));
    await waitScreen(c, (sc) => /roster error/.test(sc) && /:5:\d+/.test(sc), 'banner with position');
    expect(agentLine(c.screen(), 'a1')).toBe(true);
    // an atomic replace (write elsewhere + rename), as editors do
    const tmp = `${f.roster}.new`;
    fs.writeFileSync(tmp, roster(`  - name: a1\n    cwd: ${f.cwd('a1')}\n  - name: a3\n    cwd: ${f.cwd('a3')}\n`));
    fs.renameSync(tmp, f.roster);
    await waitScreen(c, (sc) => agentLine(sc, 'a3') && !/roster error/.test(sc), 'fixed roster picked up');
  }, 60_000);
});

describe('state dir removed under a running cockpit', () => {
  test('rm -rf of the state dir while the cockpit runs: no crash; the next wake from the cockpit works and the dir comes back 0700', async () => {
    const f = makeTestFleet();
    f.writeRoster(roster(standinAgents(f, ['a1', 'a2'])));
    const c = startCockpit(f);
    const row = (name: string): string | undefined => new RegExp(`^\\S*\\s+${name}\\s+claude\\s+(\\S+)`, 'm').exec(c.screen())?.[1];
    await waitFor(() => row('a2') === 'asleep', { timeoutMs: 20_000, what: 'grid' });
    const pid = c.cockpitPid();
    fs.rmSync(f.stateDir, { recursive: true, force: true });
    c.keys('G');
    c.keys('w');
    await waitFor(() => ['booting', 'busy', 'idle'].includes(row('a2') ?? ''), { timeoutMs: 30_000, what: 'a2 woken from the cockpit' });
    expect(c.cockpitPid()).toBe(pid);
    expect(fs.statSync(f.stateDir).mode & 0o777).toBe(0o700);
  }, 60_000);
});

describe('flags and environment', () => {
  async function fleetWith(args: string[], env: Record<string, string> = {}): Promise<{ f: ReturnType<typeof makeTestFleet>; r: Awaited<ReturnType<typeof runFleet>> }> {
    const f = makeTestFleet();
    f.writeRoster(roster(`  - name: a1\n    cwd: ${f.cwd('a1')}\n`));
    return { f, r: await runFleet(f, args, { env }) };
  }

  test.each([
    [['ls', '--socket', 'default'], {}, /--socket.*"default"/],
    [['ls', '--socket', '../../tmp/evil'], {}, /--socket.*path separator|--socket.*\.\./],
    [['ls'], { FLEET_SOCKET: 'default' }, /FLEET_SOCKET.*"default"/],
  ])('fleet %j with env %j is refused (exit 2): never the operator\'s server, never a path', async (args, env, why) => {
    const { r } = await fleetWith(args as string[], env as Record<string, string>);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(why as RegExp);
  });

  test.each([
    [['send', 'a1', '--text', 'x', '--file', '/etc/hostname'], /not both/],
    [['send', 'a1', '--file', '/nonexistent/task.txt'], /--file \/nonexistent\/task.txt: cannot read/],
    [['broadcast', 'all', '--text', 'x', '--concurrency', '0'], /--concurrency: expected a positive whole number/],
    [['send', 'a1', '--text', 'x', '--timeout', 'soon'], /--timeout: expected a positive whole number/],
    [['supervise', '--interval', '-1'], /--interval must be a positive number/],
    [['wake', 'a1', '--fresh', '--resume'], /exclude each other/],
    [['ls', '--no-such-flag'], /unknown option/],
  ])('fleet %j is a usage error (exit 2) that says what is wrong, and sends nothing', async (args, why) => {
    const { r } = await fleetWith(args as string[]);
    expect(r.code).toBe(2);
    expect(r.stdout + r.stderr).toMatch(why as RegExp);
  });

  test.each([['../../etc/x'], ['a1:0'], ['=a1'], ['A1']])('verbs given the agent name %j exit 2 and touch nothing outside the state dir', async (name) => {
    const f = makeTestFleet();
    f.writeRoster(roster(`  - name: a1\n    cwd: ${f.cwd('a1')}\n`));
    for (const verb of ['wake', 'stop', 'start', 'reset']) {
      const r = await runFleet(f, [verb, name]);
      expect(r.code, `${verb} ${name}`).toBe(2);
      expect(r.stderr).toMatch(/unknown agent|invalid agent name|not in roster/);
    }
    expect(fs.existsSync(path.join(f.root, 'etc'))).toBe(false);
    const agents = fs.existsSync(path.join(f.stateDir, 'agents')) ? fs.readdirSync(path.join(f.stateDir, 'agents')) : [];
    expect(agents).toEqual([]);
  });

  test('a roster path that is a FIFO is refused at once (not a regular file), never blocking on a read', async () => {
    const f = makeTestFleet();
    execFileSync('mkfifo', [f.roster]);
    const r = await runFleet(f, ['ls'], { timeoutMs: 20_000 });
    expect(r.ms).toBeLessThan(15_000);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/not a regular file/);
  });

  test('a symlink planted in the state dir never redirects a write: stop and start replace/remove the link, the target is untouched', async () => {
    const f = makeTestFleet();
    f.writeRoster(roster(`  - name: a1\n    cwd: ${f.cwd('a1')}\n`));
    expect((await runFleet(f, ['ls'])).code).toBe(0);
    const p = statePaths(f.stateDir);
    const target = path.join(f.root, 'precious.txt');
    fs.writeFileSync(target, 'do not touch');
    fs.symlinkSync(target, p.stopped('a1'));
    expect((await runFleet(f, ['stop', 'a1'])).code).toBe(0);
    expect(fs.readFileSync(target, 'utf8')).toBe('do not touch');
    fs.rmSync(p.stopped('a1'), { force: true });
    fs.symlinkSync(target, p.stopped('a1'));
    expect((await runFleet(f, ['start', 'a1'])).code).toBe(0);
    expect(fs.readFileSync(target, 'utf8')).toBe('do not touch');
    expect(fs.existsSync(p.stopped('a1'))).toBe(false);
  });
});
