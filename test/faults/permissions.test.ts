/**
 * Faults: permissions. The state dir is private (0700, files 0600) whatever the umask; a state dir that
 * someone else owns or can write is refused; fleet writes nothing outside the state dir, the roster
 * path and the tmux socket.
 */
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, test } from 'vitest';
import { ensureStateDir, setFlag, writeWakeRecord } from '../../src/state/files.js';
import { makeTestFleet, standinAgents, type TestFleet } from '../helpers/fleet-env.js';
import { tempDir } from '../helpers/tmux.js';
import { modeOf, roster, runFleet, tree } from './helpers.js';

const OTHER_UID = 4242;

function fleetWithRoster(): TestFleet {
  const f = makeTestFleet();
  f.writeRoster(roster(`  - name: a1\n    cwd: ${f.cwd('a1')}\n`));
  return f;
}

function withUmask<T>(mask: number, fn: () => T): T {
  const old = process.umask(mask);
  try {
    return fn();
  } finally {
    process.umask(old);
  }
}

describe('modes of what fleet creates', () => {
  test('under umask 000 the state dir and agents/ are created 0700', async () => {
    const f = fleetWithRoster();
    const r = await runFleet(f, ['ls'], { umask: '000' });
    expect(r.code).toBe(0);
    expect(modeOf(f.stateDir)).toBe(0o700);
    expect(modeOf(path.join(f.stateDir, 'agents'))).toBe(0o700);
  });

  test('under umask 000 wake records and flags are written 0600', () => {
    const dir = path.join(tempDir(), 'state');
    withUmask(0, () => {
      const p = ensureStateDir(dir);
      writeWakeRecord(p, 'a1', { wokenAt: 1, mode: 'fresh', baselineMs: null, sessionId: null });
      setFlag(p.stopped('a1'), true);
      setFlag(p.newMark('a1'), true);
      for (const file of [p.wake('a1'), p.stopped('a1'), p.newMark('a1')]) expect(modeOf(file), file).toBe(0o600);
    });
  });

  test('atomic writes leave no temp files behind (100 rewrites of one wake record)', () => {
    const p = ensureStateDir(path.join(tempDir(), 'state'));
    for (let i = 0; i < 100; i++) writeWakeRecord(p, 'a1', { wokenAt: i, mode: 'resume', baselineMs: null, sessionId: null });
    expect(fs.readdirSync(p.agentsDir)).toEqual(['a1.wake.json']);
    expect(JSON.parse(fs.readFileSync(p.wake('a1'), 'utf8')).wokenAt).toBe(99);
  });

  test('fleet init under umask 000 writes the roster 0600 in a 0700 directory', async () => {
    const f = makeTestFleet();
    const file = path.join(f.root, 'cfg', 'fleet', 'fleet.yaml');
    const r = await runFleet(f, ['init', '--roster', file], { umask: '000' });
    expect(r.code).toBe(0);
    expect(modeOf(file)).toBe(0o600);
    expect(modeOf(path.dirname(file))).toBe(0o700);
  });

  test('a group-readable (0750) state dir of ours is tightened to 0700, not refused', async () => {
    const f = fleetWithRoster();
    fs.mkdirSync(f.stateDir);
    fs.chmodSync(f.stateDir, 0o750);
    const r = await runFleet(f, ['ls']);
    expect(r.code).toBe(0);
    expect(modeOf(f.stateDir)).toBe(0o700);
  });
});

describe('state dirs fleet must refuse', () => {
  test('a world-writable state dir is refused (exit 2) with the chmod fix; its mode and contents are left alone', async () => {
    const f = fleetWithRoster();
    fs.mkdirSync(f.stateDir);
    fs.chmodSync(f.stateDir, 0o777);
    const r = await runFleet(f, ['ls']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(f.stateDir);
    expect(r.stderr).toMatch(/writable by group or others/);
    expect(r.stderr).toContain(`chmod 700 ${f.stateDir}`);
    expect(modeOf(f.stateDir)).toBe(0o777);
    expect(fs.readdirSync(f.stateDir)).toEqual([]);
  });

  test('a group-writable agents/ directory is refused (exit 2), naming it', async () => {
    const f = fleetWithRoster();
    fs.mkdirSync(path.join(f.stateDir, 'agents'), { recursive: true });
    fs.chmodSync(f.stateDir, 0o700);
    fs.chmodSync(path.join(f.stateDir, 'agents'), 0o770);
    const r = await runFleet(f, ['ls']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(path.join(f.stateDir, 'agents'));
  });

  test('a state dir owned by another user is refused (exit 2), naming both uids; nothing is written into it', async () => {
    const f = fleetWithRoster();
    fs.mkdirSync(f.stateDir, { mode: 0o700 });
    fs.chownSync(f.stateDir, OTHER_UID, OTHER_UID);
    const r = await runFleet(f, ['ls']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(`belongs to uid ${OTHER_UID}`);
    expect(r.stderr).toMatch(/not to you \(uid \d+\)/);
    expect(r.stderr).toMatch(/refusing/);
    expect(fs.readdirSync(f.stateDir)).toEqual([]);
  });

  test('a symlinked state dir that points at another user\'s directory is refused', async () => {
    const f = fleetWithRoster();
    const target = path.join(f.root, 'elsewhere');
    fs.mkdirSync(target, { mode: 0o700 });
    fs.chownSync(target, OTHER_UID, OTHER_UID);
    fs.symlinkSync(target, f.stateDir);
    const r = await runFleet(f, ['ls']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(`belongs to uid ${OTHER_UID}`);
    expect(fs.readdirSync(target)).toEqual([]);
  });

  test('fleet doctor reports a world-writable state dir as FAIL with the fix, and exits 1', async () => {
    const f = fleetWithRoster();
    fs.mkdirSync(f.stateDir);
    fs.chmodSync(f.stateDir, 0o777);
    const r = await runFleet(f, ['doctor', '--json']);
    expect(r.code).toBe(1);
    const checks = JSON.parse(r.stdout) as { check: string; status: string; fix?: string }[];
    const sd = checks.find((c) => c.check === 'state dir');
    expect(sd?.status).toBe('fail');
    expect(sd?.fix).toMatch(/chmod 700/);
  });
});

describe('nothing written outside the state dir, the roster and the socket', () => {
  test('init, ls, ls --json and doctor with HOME/XDG/TMPDIR inside a sandbox touch only the roster and the state dir', async () => {
    const f = makeTestFleet();
    const home = path.join(f.root, 'home');
    fs.mkdirSync(home);
    const tmp = path.join(f.root, 'tmp');
    fs.mkdirSync(tmp);
    const env = { HOME: home, TMPDIR: tmp, XDG_CONFIG_HOME: path.join(home, '.config'), XDG_STATE_HOME: path.join(home, '.local', 'state'), XDG_CACHE_HOME: path.join(home, '.cache') };
    const cwd = f.cwd('a1');
    const before = tree(f.root);
    expect((await runFleet(f, ['init'], { env, cwd })).code).toBe(0);
    f.writeRoster(roster(`  - name: a1\n    cwd: ${cwd}\n`));
    for (const args of [['ls'], ['ls', '--json'], ['doctor']]) await runFleet(f, args, { env, cwd });
    const after = tree(f.root);
    const added = [...after.keys()].filter((k) => !before.has(k));
    const allowed = (k: string): boolean => k === 'fleet.yaml' || k === 'state' || k.startsWith(`state${path.sep}`);
    expect(added.filter((k) => !allowed(k))).toEqual([]);
    const changed = [...before.entries()].filter(([k, v]) => {
      const a = after.get(k);
      return a === undefined || (v.kind === 'file' && (a.size !== v.size || a.mtimeMs !== v.mtimeMs));
    });
    expect(changed.map(([k]) => k)).toEqual([]);
    expect(fs.readdirSync(home)).toEqual([]);
    expect(fs.readdirSync(tmp)).toEqual([]);
  });

  test('a state dir under a fresh path is created with every missing parent private, and the roster is never written by ls', async () => {
    const f = fleetWithRoster();
    const deep = path.join(f.root, 'a', 'b', 'state');
    const before = fs.readFileSync(f.roster, 'utf8');
    const r = await runFleet(f, ['ls', '--state-dir', deep]);
    expect(r.code).toBe(0);
    expect(modeOf(deep)).toBe(0o700);
    expect(modeOf(path.join(f.root, 'a'))).toBe(0o700);
    expect(fs.readFileSync(f.roster, 'utf8')).toBe(before);
  });
});

describe('the ledger and lock files', () => {
  test('after a broadcast under umask 000 the ledger (and its WAL/SHM files) is 0600 and every state file is private', async () => {
    const f = makeTestFleet();
    f.writeRoster(roster(standinAgents(f, ['p1'])));
    const r = await runFleet(f, ['broadcast', 'p1', '--text', 'secret task text', '--json'], { umask: '000' });
    expect(r.code, r.stderr).toBe(0);
    const files = [...tree(f.stateDir).entries()];
    const ledger = files.filter(([k]) => k.startsWith('ledger.sqlite'));
    expect(ledger.length).toBeGreaterThanOrEqual(1);
    for (const [k, v] of files) {
      if (v.kind === 'dir') expect(v.mode, k).toBe(0o700);
      else expect(v.mode & 0o077, `${k} mode ${v.mode.toString(8)}`).toBe(0);
    }
  }, 60_000);
});

describe('nothing written outside, for the verbs that act', () => {
  test('wake, send, broadcast, stop, start and supervise with HOME/TMPDIR sandboxed write only in the state dir (agents write their own transcripts)', async () => {
    const f = makeTestFleet();
    const home = path.join(f.root, 'home');
    const tmp = path.join(f.root, 'tmp');
    fs.mkdirSync(home);
    fs.mkdirSync(tmp);
    const env = { HOME: home, TMPDIR: tmp, XDG_CONFIG_HOME: path.join(home, '.config'), XDG_STATE_HOME: path.join(home, '.local', 'state'), XDG_CACHE_HOME: path.join(home, '.cache') };
    f.writeRoster(roster(standinAgents(f, ['w1', 'w2'])));
    const before = tree(f.root);
    for (const args of [
      ['wake', 'w1'],
      ['send', 'w1', '--text', 'task one'],
      ['broadcast', 'w1', 'w2', '--text', 'task two'],
      ['stop', 'w2'],
      ['start', 'w2'],
      ['supervise', '--once'],
      ['runs'],
    ]) {
      const r = await runFleet(f, args, { env, cwd: tmp });
      expect(r.code, `${args.join(' ')}: ${r.stderr}`).toBe(0);
    }
    const after = tree(f.root);
    // the agents' own writes: their transcripts (CLAUDE_CONFIG_DIR) and their working directories
    const allowed = (k: string): boolean => ['state', 'claude', 'work'].some((d) => k === d || k.startsWith(d + path.sep));
    expect([...after.keys()].filter((k) => !before.has(k) && !allowed(k))).toEqual([]);
    const changed = [...before.entries()].filter(([k, v]) => v.kind === 'file' && !allowed(k) && after.get(k)?.mtimeMs !== v.mtimeMs);
    expect(changed.map(([k]) => k)).toEqual([]);
    expect(fs.readdirSync(home)).toEqual([]);
    expect(fs.readdirSync(tmp)).toEqual([]);
  }, 90_000);
});
