import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { EXAMPLE_ROSTER } from '../../src/cli/verbs/init.js';
import { parseRoster } from '../../src/domain/roster.js';
import { makeTestFleet, type TestFleet } from '../helpers/fleet-env.js';
import { tempDir, tmux } from '../helpers/tmux.js';

type Check = { check: string; status: 'ok' | 'warn' | 'fail'; detail: string; fix?: string };
const mode = (p: string): number => fs.statSync(p).mode & 0o777;

async function doctorJson(f: TestFleet, ...args: string[]): Promise<{ code: number; checks: Record<string, Check> }> {
  const r = await f.fleet(['doctor', '--json', ...args]);
  const list = JSON.parse(r.stdout) as Check[];
  return { code: r.code, checks: Object.fromEntries(list.map((c) => [c.check, c])) };
}

/** A directory holding a fake `tmux` (and nothing else fleet needs from PATH). */
function fakeTmuxDir(script: string): string {
  const d = tempDir();
  fs.writeFileSync(path.join(d, 'tmux'), `#!/bin/sh\n${script}\n`, { mode: 0o755 });
  return d;
}

describe('fleet init', () => {
  it('writes a commented example roster, 0600 in a 0700 dir, that parses and that fleet ls accepts', async () => {
    const f = makeTestFleet();
    const target = path.join(f.root, 'cfg', 'fleet', 'fleet.yaml');
    const r = await f.fleet(['init', '--roster', target]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain(`wrote ${target}`);
    expect(fs.readFileSync(target, 'utf8')).toBe(EXAMPLE_ROSTER);
    expect(mode(target)).toBe(0o600);
    expect(mode(path.dirname(target))).toBe(0o700);
    expect(EXAMPLE_ROSTER).toMatch(/^# /m);
    const parsed = parseRoster(EXAMPLE_ROSTER, { file: target, isDirectory: (p) => fs.existsSync(p) });
    expect(parsed.ok).toBe(true);
    const ls = await f.fleet(['ls', '--json', '--roster', target]);
    expect(ls.code, ls.stderr).toBe(0);
    expect((JSON.parse(ls.stdout) as { name: string; state: string }[]).map((x) => [x.name, x.state])).toEqual([['coder0', 'asleep']]);
  });

  it('defaults to $FLEET_ROSTER, then $XDG_CONFIG_HOME/fleet/fleet.yaml', async () => {
    const f = makeTestFleet();
    expect((await f.fleet(['init'])).code).toBe(0);
    expect(fs.existsSync(f.roster)).toBe(true);
    delete f.env.FLEET_ROSTER;
    expect((await f.fleet(['init'])).code).toBe(0);
    expect(fs.existsSync(path.join(f.env.XDG_CONFIG_HOME!, 'fleet', 'fleet.yaml'))).toBe(true);
  });

  it('refuses to overwrite an existing roster without --force, and leaves it byte for byte', async () => {
    const f = makeTestFleet();
    const mine = 'version: 1\n# my own careful roster\nagents: []\n';
    f.writeRoster(mine);
    fs.chmodSync(f.roster, 0o644);
    const r = await f.fleet(['init']);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/already exists; not overwriting it \(use --force/);
    expect(fs.readFileSync(f.roster, 'utf8')).toBe(mine);
    const j = await f.fleet(['init', '--json']);
    expect(JSON.parse(j.stdout)).toMatchObject({ exitCode: 1, error: expect.stringMatching(/already exists/) });
    const forced = await f.fleet(['init', '--force', '--json']);
    expect(forced.code).toBe(0);
    expect(JSON.parse(forced.stdout)).toEqual({ written: f.roster });
    expect(fs.readFileSync(f.roster, 'utf8')).toBe(EXAMPLE_ROSTER);
    expect(mode(f.roster)).toBe(0o600);
  });
});

describe('fleet doctor', () => {
  it('all good: tmux, roster, socket, state dir; exit 0', async () => {
    const f = makeTestFleet();
    f.writeRoster(`version: 1\nagents:\n  - name: s1\n    runtime: shell\n    cwd: ${f.cwd('s1')}\n    command: sleep 600\n`);
    const r = await f.fleet(['doctor']);
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^ok +tmux: tmux \d+\.\d+/m);
    expect(r.stdout).toMatch(/^ok +roster: .*1 agent/m);
    expect(r.stdout).toMatch(/^ok +socket: -L fleet-test-.*no server yet/m);
    expect(r.stdout).toMatch(/^ok +state dir: .*does not exist yet/m);
    expect(r.stdout.trim().split('\n').pop()).toBe('all good');
    // a diagnosis creates nothing
    expect(fs.existsSync(f.stateDir)).toBe(false);
  });

  it('sees a running server and counts its sessions', async () => {
    const f = makeTestFleet();
    f.writeRoster('version: 1\nagents: []\n');
    tmux(f.socket, 'new-session', '-d', '-s', 'x', 'sleep 600');
    const { code, checks } = await doctorJson(f);
    expect(code).toBe(0);
    expect(checks.socket).toMatchObject({ status: 'ok', detail: expect.stringMatching(/server running, 1 session/) });
  });

  it('missing roster: FAIL with "run fleet init", exit 1, other checks still run', async () => {
    const f = makeTestFleet();
    const { code, checks } = await doctorJson(f);
    expect(code).toBe(1);
    expect(checks.roster).toMatchObject({ status: 'fail', fix: expect.stringContaining('fleet init') });
    expect(checks.tmux?.status).toBe('ok');
    expect(checks['state dir']?.status).toBe('ok');
    const text = await f.fleet(['doctor']);
    expect(text.code).toBe(1);
    expect(text.stdout).toMatch(/^FAIL {2}roster: /m);
    expect(text.stdout).toMatch(/^ {6}→ run `fleet init`/m);
    expect(text.stdout.trim().split('\n').pop()).toBe('1 problem(s) to fix');
  });

  it('bad roster: FAIL naming the lines, and the roster is not rewritten', async () => {
    const f = makeTestFleet();
    const text = 'version: 1\nagents:\n  - name: Bad\n    cwd: /nonexistent-dir\n';
    f.writeRoster(text);
    const { code, checks } = await doctorJson(f);
    expect(code).toBe(1);
    expect(checks.roster?.detail).toContain(`${f.roster}:3:11: agents[0].name`);
    expect(checks.roster?.detail).toContain(`${f.roster}:4:10: agents[0].cwd`);
    expect(checks.roster?.fix).toMatch(/never rewritten/);
    expect(fs.readFileSync(f.roster, 'utf8')).toBe(text);
  });

  it('bad socket name: FAIL with a fix', async () => {
    const f = makeTestFleet();
    f.writeRoster('version: 1\nagents: []\n');
    const { code, checks } = await doctorJson(f, '--socket', 'default');
    expect(code).toBe(1);
    expect(checks.socket).toMatchObject({ status: 'fail', detail: expect.stringMatching(/operator's own tmux server/), fix: expect.stringMatching(/plain name/) });
  });

  it('group-writable state dir: FAIL with the chmod fix, and doctor does not change it', async () => {
    const f = makeTestFleet();
    f.writeRoster('version: 1\nagents: []\n');
    fs.mkdirSync(f.stateDir);
    fs.chmodSync(f.stateDir, 0o777);
    const { code, checks } = await doctorJson(f);
    expect(code).toBe(1);
    expect(checks['state dir']).toMatchObject({ status: 'fail', fix: expect.stringContaining(`chmod 700 ${f.stateDir}`) });
    expect(mode(f.stateDir)).toBe(0o777);
  });

  it('tmux missing from PATH: FAIL with how to install it', async () => {
    const f = makeTestFleet();
    f.writeRoster('version: 1\nagents: []\n');
    f.env.PATH = tempDir();
    const { code, checks } = await doctorJson(f);
    expect(code).toBe(1);
    expect(checks.tmux).toMatchObject({ status: 'fail', detail: expect.stringMatching(/not installed/), fix: expect.stringMatching(/apt-get install tmux/) });
  });

  it('tmux too old: FAIL with "upgrade"', async () => {
    const f = makeTestFleet();
    f.writeRoster('version: 1\nagents: []\n');
    f.env.PATH = `${fakeTmuxDir('echo "tmux 2.9a"')}:${f.env.PATH}`;
    const { code, checks } = await doctorJson(f);
    expect(code).toBe(1);
    expect(checks.tmux).toMatchObject({ status: 'fail', detail: expect.stringMatching(/2\.9a.*needs tmux >= 3\.0/), fix: 'upgrade tmux' });
  });

  it('a runtime whose program is not on PATH is a warning, not a failure', async () => {
    const f = makeTestFleet();
    f.writeRoster(`version: 1\nagents:\n  - name: c1\n    runtime: claude\n    cwd: ${f.cwd('c1')}\n    command: definitely-not-installed-xyz --flag\n`);
    const { code, checks } = await doctorJson(f);
    const rt = Object.values(checks).find((c) => c.check.startsWith('runtime'));
    if (rt) {
      expect(rt).toMatchObject({ status: 'warn', detail: expect.stringContaining('definitely-not-installed-xyz') });
      expect(code).toBe(0);
    } else {
      // no adapter registered for the runtime yet: nothing to check, still healthy
      expect(code).toBe(0);
    }
  });
});
