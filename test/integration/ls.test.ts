import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { makeTestFleet, type TestFleet } from '../helpers/fleet-env.js';
import { killTestServer, tempDir, testSocket, tmux } from '../helpers/tmux.js';


const ROW_KEYS = ['name', 'runtime', 'state', 'session', 'cwd', 'class', 'tags', 'lastActivityAt', 'stateSince', 'pid', 'stopped', 'managed'].sort();
type Row = Record<string, unknown> & { name: string; state: string };

function shellRoster(f: TestFleet, names: string[], extra = ''): string {
  return `version: 1\nagents:\n${names.map((n) => `  - name: ${n}\n    runtime: shell\n    cwd: ${f.cwd(n)}\n    class: worker\n    tags: [t1, t2]\n    command: sleep 600\n`).join('')}${extra}`;
}

async function lsJson(f: TestFleet): Promise<Row[]> {
  const r = await f.fleet(['ls', '--json']);
  expect(r.code, r.stderr).toBe(0);
  const rows = JSON.parse(r.stdout) as Row[];
  expect(Array.isArray(rows)).toBe(true);
  return rows;
}
const byName = (rows: Row[]): Record<string, Row> => Object.fromEntries(rows.map((r) => [r.name, r]));
/** Starts a session behind fleet's back, the way an operator or another tool would. */
function startSession(f: TestFleet, name: string, cmd = 'sleep 600'): void {
  tmux(f.socket, 'new-session', '-d', '-s', name, '-c', f.root, cmd);
}

describe('fleet ls', () => {
  it('no server: every agent is asleep, exit 0, every DESIGN §8 field present', async () => {
    const f = makeTestFleet();
    f.writeRoster(shellRoster(f, ['a1', 'a2']));
    const rows = await lsJson(f);
    expect(rows.map((r) => [r.name, r.state])).toEqual([['a1', 'asleep'], ['a2', 'asleep']]);
    for (const r of rows) expect(Object.keys(r).sort()).toEqual(ROW_KEYS);
    expect(rows[0]).toMatchObject({ runtime: 'shell', session: null, cwd: f.cwd('a1'), class: 'worker', tags: ['t1', 't2'], pid: null, stopped: false, managed: 'fleet' });
  });

  it('reflects sessions created and killed behind its back; strays listed, the holder not', async () => {
    const f = makeTestFleet();
    f.writeRoster(shellRoster(f, ['a1', 'a2']));
    startSession(f, '_holder', 'sh -c "while :; do sleep 3600; done"');
    startSession(f, 'a1');
    startSession(f, 'zz-stray');
    let rows = byName(await lsJson(f));
    expect(Object.keys(rows).sort()).toEqual(['a1', 'a2', 'zz-stray']);
    expect(['idle', 'busy']).toContain(rows.a1!.state);
    expect(rows.a1).toMatchObject({ session: 'a1', pid: expect.any(Number) });
    expect(Date.parse(rows.a1!.lastActivityAt as string)).toBeGreaterThan(0);
    expect(rows.a2).toMatchObject({ state: 'asleep', session: null });
    expect(rows['zz-stray']).toMatchObject({ state: 'stray', runtime: null, session: 'zz-stray', cwd: null, managed: null, stopped: false, pid: expect.any(Number) });

    tmux(f.socket, 'kill-session', '-t', '=a1');
    startSession(f, 'a2');
    rows = byName(await lsJson(f));
    expect(rows.a1).toMatchObject({ state: 'asleep', session: null, pid: null });
    expect(['idle', 'busy']).toContain(rows.a2!.state);

    tmux(f.socket, 'kill-session', '-t', '=zz-stray');
    expect(Object.keys(byName(await lsJson(f))).sort()).toEqual(['a1', 'a2']);
  });

  it('a session whose process exited (remain-on-exit) is dead; a stop flag beats a live session', async () => {
    const f = makeTestFleet();
    f.writeRoster(shellRoster(f, ['gone', 'halted']));
    startSession(f, '_holder', 'sleep 600');
    tmux(f.socket, 'set-option', '-g', 'remain-on-exit', 'on');
    startSession(f, 'gone', 'exit 4');
    startSession(f, 'halted');
    fs.mkdirSync(path.join(f.stateDir, 'agents'), { recursive: true, mode: 0o700 });
    fs.writeFileSync(path.join(f.stateDir, 'agents', 'halted.stopped'), '');
    const rows = byName(await lsJson(f));
    expect(rows.gone).toMatchObject({ state: 'dead', pid: null });
    expect(rows.halted).toMatchObject({ state: 'stopped', stopped: true });
  });

  it('prints valid JSON [] when the roster has no agents (and no server)', async () => {
    const f = makeTestFleet();
    for (const roster of ['version: 1\n', 'version: 1\nagents: []\n', 'version: 1\nagents:\n']) {
      f.writeRoster(roster);
      const r = await f.fleet(['ls', '--json']);
      expect(r.code).toBe(0);
      expect(JSON.parse(r.stdout)).toEqual([]);
    }
    const text = await f.fleet(['ls']);
    expect(text.stdout).toMatch(/no agents/);
  });

  it('prints a readable table', async () => {
    const f = makeTestFleet();
    f.writeRoster(shellRoster(f, ['a1', 'a2']));
    startSession(f, 'a1');
    const r = await f.fleet(['ls']);
    expect(r.code).toBe(0);
    const lines = r.stdout.trim().split('\n');
    expect(lines[0]).toMatch(/^NAME\s+RUNTIME\s+STATE\s+SINCE\s+ACTIVITY\s+CLASS\s+TAGS\s+CWD$/);
    expect(lines[1]).toMatch(/^a1\s+shell\s+(idle|busy)\s/);
    expect(lines[2]).toMatch(/^a2\s+shell\s+asleep\s+-\s+-\s+worker\s+t1,t2\s+\//);
  });

  it('TMUX pointing at another server is ignored', async () => {
    const f = makeTestFleet();
    f.writeRoster(shellRoster(f, ['a1']));
    const other = testSocket();
    try {
      tmux(other, 'new-session', '-d', '-s', 'a1', 'sleep 600');
      tmux(other, 'new-session', '-d', '-s', 'elsewhere', 'sleep 600');
      const otherPath = tmux(other, 'display-message', '-p', '#{socket_path}').trim();
      f.env.TMUX = `${otherPath},1,0`;
      f.env.TMUX_PANE = '%0';
      const rows = await lsJson(f);
      expect(rows.map((r) => [r.name, r.state])).toEqual([['a1', 'asleep']]);
    } finally {
      killTestServer(other);
    }
  });

  it('--socket, --roster and --state-dir override the environment', async () => {
    const f = makeTestFleet();
    f.writeRoster('version: 1\nagents: []\n');
    const g = makeTestFleet();
    g.writeRoster(shellRoster(g, ['b1']));
    startSession(g, 'b1');
    const r = await f.fleet(['ls', '--json', '--socket', g.socket, '--roster', g.roster, '--state-dir', g.stateDir]);
    expect(r.code, r.stderr).toBe(0);
    expect((JSON.parse(r.stdout) as Row[]).map((x) => x.name)).toEqual(['b1']);
    expect(fs.existsSync(f.stateDir)).toBe(false);
  });

  it('a bad roster: exit 2, every problem with file:line:col, --json error is JSON, the file is untouched', async () => {
    const f = makeTestFleet();
    const text = `version: 1\nagents:\n  - name: Bad.Name\n    cwd: /nonexistent-dir\n  - name: ok\n    cwd: ${f.cwd('ok')}\n    runtmie: shell\n`;
    f.writeRoster(text);
    const before = fs.statSync(f.roster);
    const r = await f.fleet(['ls']);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toContain(`${f.roster}:3:11: agents[0].name:`);
    expect(r.stderr).toContain(`${f.roster}:4:10: agents[0].cwd: directory /nonexistent-dir does not exist`);
    expect(r.stderr).toContain(`${f.roster}:7:5: agents[1].runtmie: unknown key "runtmie" — did you mean "runtime"?`);
    const j = await f.fleet(['ls', '--json']);
    expect(j.code).toBe(2);
    const err = JSON.parse(j.stdout) as { error: string; exitCode: number };
    expect(err.exitCode).toBe(2);
    expect(err.error).toContain('agents[0].name');
    const after = fs.statSync(f.roster);
    expect(fs.readFileSync(f.roster, 'utf8')).toBe(text);
    expect(after.mtimeMs).toBe(before.mtimeMs);
    expect(after.ino).toBe(before.ino);
  });

  it('a missing roster: exit 2 and the hint to run fleet init', async () => {
    const f = makeTestFleet();
    const r = await f.fleet(['ls']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/fleet init/);
    expect(fs.existsSync(f.roster)).toBe(false);
  });

  it('a bad socket name from the environment or the flag: exit 2, tmux never addressed', async () => {
    const f = makeTestFleet();
    f.writeRoster('version: 1\nagents: []\n');
    for (const args of [['--socket', '../x'], ['--socket', 'default']]) {
      const r = await f.fleet(['ls', ...args]);
      expect(r.code).toBe(2);
      expect(r.stderr).toMatch(/--socket: invalid tmux socket name/);
    }
    f.env.FLEET_SOCKET = 'a/b';
    const r = await f.fleet(['ls']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/FLEET_SOCKET: invalid tmux socket name/);
  });

  it('a roster agent named with #( is refused before any tmux call (no file appears)', async () => {
    const f = makeTestFleet();
    const marker = path.join(f.root, 'pwned');
    f.writeRoster(`version: 1\nagents:\n  - name: "x#(touch ${marker})"\n    cwd: ${f.root}\n`);
    startSession(f, 'live', 'sleep 600');
    const r = await f.fleet(['ls', '--json']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/contains "#"/);
    expect(fs.existsSync(marker)).toBe(false);
  });

  it('a group-writable state dir is refused (exit 2) with the fix', async () => {
    const f = makeTestFleet();
    f.writeRoster('version: 1\nagents: []\n');
    fs.mkdirSync(f.stateDir, { mode: 0o700 });
    fs.chmodSync(f.stateDir, 0o777);
    const r = await f.fleet(['ls']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(`chmod 700 ${f.stateDir}`);
    expect(fs.statSync(f.stateDir).mode & 0o777).toBe(0o777);
  });

  it('tmux missing or failing is an error (exit 1, says why), not a fleet of sleeping agents', async () => {
    const f = makeTestFleet();
    f.writeRoster(shellRoster(f, ['a1']));
    f.env.PATH = tempDir();
    const r = await f.fleet(['ls', '--json']);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/tmux not found on PATH/);
    expect(JSON.parse(r.stdout)).toMatchObject({ exitCode: 1, error: expect.stringMatching(/cannot read the tmux server/) });
  });

  it('a socket file owned by another user is refused (exit 2, names the uid)', async () => {
    const f = makeTestFleet();
    f.writeRoster(shellRoster(f, ['a1']));
    startSession(f, 'a1');
    const file = tmux(f.socket, 'display-message', '-p', '#{socket_path}').trim();
    fs.chownSync(file, 4243, 4243);
    try {
      const r = await f.fleet(['ls']);
      expect(r.code).toBe(2);
      expect(r.stderr).toMatch(/owned by uid 4243/);
      expect(r.stdout).toBe('');
    } finally {
      fs.chownSync(file, process.getuid!(), process.getgid!());
    }
  });

  it('escape sequences in roster text never reach the terminal (table sanitised, JSON escapes C1)', async () => {
    const f = makeTestFleet();
    f.writeRoster(`version: 1\nagents:\n  - name: a1\n    runtime: shell\n    cwd: ${f.cwd('a1')}\n    class: "r\\e]0;title\\a\\e[2Jev"\n    tags: ["t\\x9b31mx"]\n`);
    const t = await f.fleet(['ls']);
    expect(t.code, t.stderr).toBe(0);
    expect(t.stdout).toMatch(/a1\s+shell\s+asleep\s+-\s+-\s+rev\s+tx\s/);
    const j = await f.fleet(['ls', '--json']);
    expect(j.stdout).not.toMatch(/[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/);
    // lossless: the data is intact for scripts
    expect((JSON.parse(j.stdout) as { tags: string[] }[])[0]!.tags).toEqual(['t\u009b31mx']);
  });
});
