import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import { openContext } from '../../src/context.js';
import { ConfigError } from '../../src/domain/errors.js';
import { parseRoster } from '../../src/domain/roster.js';
import { directoryChecker, loadRoster } from '../../src/state/roster-file.js';
import { tempDir } from '../helpers/tmux.js';

function setup(): { dir: string; roster: string; cache: string; work: string } {
  const dir = tempDir();
  const work = path.join(dir, 'work');
  fs.mkdirSync(work);
  const roster = path.join(dir, 'fleet.yaml');
  fs.writeFileSync(roster, `version: 1\ndefaults: { cwd: ${work} }\nagents:\n  - name: a1\n  - name: a2\n    class: coder\n    tags: [x]\n`);
  return { dir, roster, work, cache: path.join(dir, 'roster-cache.json') };
}

describe('the roster parse cache (start-up time: docs/COCKPIT.md)', () => {
  it('the same text gives the same roster from the cache, with the parser\'s exact shape; a changed text is parsed again', () => {
    const t = setup();
    const parsed = loadRoster(t.roster);
    expect(loadRoster(t.roster, { cacheFile: t.cache })).toStrictEqual(parsed);
    expect(fs.existsSync(t.cache)).toBe(true);
    expect(fs.statSync(t.cache).mode & 0o777).toBe(0o600);
    // a hit returns the cached value (proved by marking the cached copy) and keeps undefined fields
    const c = JSON.parse(fs.readFileSync(t.cache, 'utf8'));
    c.roster.agents[1].class = 'from-cache';
    fs.writeFileSync(t.cache, JSON.stringify(c));
    const hit = loadRoster(t.roster, { cacheFile: t.cache });
    expect(hit.agents[1]!.class).toBe('from-cache');
    expect(hit.agents[0]).toStrictEqual(parsed.agents[0]);
    expect(Object.keys(hit.agents[0]!).sort()).toEqual(Object.keys(parsed.agents[0]!).sort());
    // any edit of the file is a miss
    fs.appendFileSync(t.roster, '# edited\n');
    expect(loadRoster(t.roster, { cacheFile: t.cache }).agents[1]!.class).toBe('coder');
  });

  it('a cached roster whose cwd has gone is parsed again, so the problem is reported (exit 2)', () => {
    const t = setup();
    loadRoster(t.roster, { cacheFile: t.cache });
    fs.rmSync(t.work, { recursive: true });
    expect(() => loadRoster(t.roster, { cacheFile: t.cache })).toThrow(ConfigError);
    expect(() => loadRoster(t.roster, { cacheFile: t.cache })).toThrow(/does not exist/);
  });

  it('a corrupt or foreign cache file is ignored (a normal parse), and a bad roster is never cached', () => {
    const t = setup();
    fs.writeFileSync(t.cache, '{not json');
    expect(loadRoster(t.roster, { cacheFile: t.cache }).agents.map((a) => a.name)).toEqual(['a1', 'a2']);
    fs.writeFileSync(t.cache, JSON.stringify({ key: 'x', roster: { agents: 'nope' } }));
    expect(loadRoster(t.roster, { cacheFile: t.cache }).agents).toHaveLength(2);
    const bad = setup();
    fs.writeFileSync(bad.roster, 'version: 1\nagents:\n  - name: Bad Name\n');
    expect(() => loadRoster(bad.roster, { cacheFile: bad.cache })).toThrow(ConfigError);
    expect(fs.existsSync(bad.cache)).toBe(false);
  });

  it('after an edit, entries the last parse found valid skip the schema, and the roster is exactly a full parse\'s', () => {
    const t = setup();
    loadRoster(t.roster, { cacheFile: t.cache });
    const before = JSON.parse(fs.readFileSync(t.cache, 'utf8'));
    expect(before.agents).toEqual(['{"name":"a1"}', '{"name":"a2","class":"coder","tags":["x"]}']);
    const edits = [
      (x: string) => x.replace('class: coder', 'class: reviewer'),
      (x: string) => `${x}  - name: a3\n    idleSecs: 60\n    env: { K_1: v }\n`,
      (x: string) => x.replace('  - name: a1\n', ''),
      (x: string) => `${x}# a comment only\n`,
      (x: string) => x.replace('tags: [x]', 'tags: [x, y]'),
    ];
    for (const edit of edits) {
      fs.writeFileSync(t.roster, edit(fs.readFileSync(t.roster, 'utf8')));
      expect(loadRoster(t.roster, { cacheFile: t.cache })).toStrictEqual(loadRoster(t.roster));
      const c = JSON.parse(fs.readFileSync(t.cache, 'utf8'));
      expect(c.agents).toHaveLength(loadRoster(t.roster).agents.length);
    }
  });

  it('known entries come only from the same code, and a roster with a problem is checked whole', () => {
    const t = setup();
    loadRoster(t.roster, { cacheFile: t.cache });
    const c = JSON.parse(fs.readFileSync(t.cache, 'utf8'));
    const badEntry = '{"name":"a3","idleSecs":-5}';
    fs.appendFileSync(t.roster, '  - name: a3\n    idleSecs: -5\n');
    const fullParse = (): unknown => {
      try {
        return loadRoster(t.roster);
      } catch (e) {
        return (e as ConfigError).problems;
      }
    };
    const expected = fullParse();
    expect(JSON.stringify(expected)).toMatch(/idleSecs/);
    // the schema is what refuses the entry; a cache from other code saying it is known changes nothing
    fs.writeFileSync(t.cache, JSON.stringify({ ...c, agents: [...c.agents, badEntry], code: 'another build' }));
    expect(() => loadRoster(t.roster, { cacheFile: t.cache })).toThrow(/idleSecs/);
    // proof that the same code's known entries skip the schema (here, a doctored cache: the state dir is
    // fleet's own, refused when others can write it)
    fs.writeFileSync(t.cache, JSON.stringify({ ...c, agents: [...c.agents, badEntry] }));
    expect(loadRoster(t.roster, { cacheFile: t.cache }).agents[2]!.idleSecs).toBe(-5);
    // ... but a roster with any problem is checked whole: the same messages as with no cache at all
    fs.appendFileSync(t.roster, '  - name: a4\n    idleSecs: zero\n');
    fs.writeFileSync(t.cache, JSON.stringify({ ...c, agents: [...c.agents, badEntry] }));
    let problems: unknown;
    try {
      loadRoster(t.roster, { cacheFile: t.cache });
    } catch (e) {
      problems = (e as ConfigError).problems;
    }
    expect(problems).toEqual(fullParse());
    expect(JSON.stringify(problems)).toMatch(/agents\[2\]\.idleSecs.*agents\[3\]\.idleSecs/);
  });

  it('parseRoster: known entries are used on the fast path only; the full YAML path checks everything', () => {
    const opts = { file: '/x/fleet.yaml', isDirectory: () => true, knownAgents: new Set(['{"name":"a1","cwd":"/w","idleSecs":-1}']) };
    expect(parseRoster('version: 1\nagents:\n  - name: a1\n    cwd: /w\n    idleSecs: -1\n', opts).ok).toBe(true);
    // an anchor is outside the fast subset: the same entry, parsed by `yaml`, meets the schema
    const r = parseRoster('version: 1\nagents:\n  - &x\n    name: a1\n    cwd: /w\n    idleSecs: -1\n', opts);
    expect(r.ok).toBe(false);
  });

  it('openContext uses a cache only in an existing state dir that is safe: never in a missing or world-writable one', () => {
    const t = setup();
    const missing = path.join(t.dir, 'state');
    openContext({ roster: t.roster, stateDir: missing, socket: 'fleet-test-cache' });
    expect(fs.readdirSync(missing)).toEqual(['agents']);
    openContext({ roster: t.roster, stateDir: missing, socket: 'fleet-test-cache' });
    expect(fs.readdirSync(missing).sort()).toEqual(['agents', 'roster-cache.json']);
    const open = path.join(t.dir, 'open');
    fs.mkdirSync(open);
    fs.chmodSync(open, 0o777);
    expect(() => openContext({ roster: t.roster, stateDir: open, socket: 'fleet-test-cache' })).toThrow(/writable by group or others/);
    expect(fs.readdirSync(open)).toEqual([]);
  });
});

describe('directoryChecker: the roster\'s cwd check, one listing per shared parent', () => {
  const statSays = (p: string): boolean => {
    try {
      return fs.statSync(p).isDirectory();
    } catch {
      return false;
    }
  };

  it('answers exactly as stat for directories, files, symlinks, dangling links and missing names', () => {
    const dir = tempDir();
    const paths: string[] = [];
    for (let i = 0; i < 12; i++) {
      const p = path.join(dir, `d${i}`);
      fs.mkdirSync(p);
      paths.push(p);
    }
    fs.writeFileSync(path.join(dir, 'file'), 'x');
    fs.symlinkSync(path.join(dir, 'd0'), path.join(dir, 'link-dir'));
    fs.symlinkSync(path.join(dir, 'file'), path.join(dir, 'link-file'));
    fs.symlinkSync(path.join(dir, 'gone'), path.join(dir, 'dangling'));
    paths.push(...['file', 'link-dir', 'link-file', 'dangling', 'missing', 'D1'].map((n) => path.join(dir, n)), '/', path.join(dir, 'd0', 'x', '..'));
    const check = directoryChecker();
    // twice over: the first answers come from stat, the later ones from the parent's listing
    for (const p of [...paths, ...paths]) expect(check(p), p).toBe(statSays(p));
    expect(paths.filter((p) => check(p))).toHaveLength(15); // d0–d11, link-dir, / and d0/x/.. (= d0)
  });

  it('a parent that cannot be listed falls back to stat', () => {
    const dir = tempDir();
    const parent = path.join(dir, 'p');
    fs.mkdirSync(parent);
    for (let i = 0; i < 5; i++) fs.mkdirSync(path.join(parent, `d${i}`));
    const check = directoryChecker();
    const spy = vi.spyOn(fs, 'readdirSync').mockImplementation(() => {
      throw Object.assign(new Error('EACCES'), { code: 'EACCES' });
    });
    try {
      for (let i = 0; i < 5; i++) expect(check(path.join(parent, `d${i}`))).toBe(true);
      expect(check(path.join(parent, 'nope'))).toBe(false);
      expect(spy).toHaveBeenCalledTimes(1);
    } finally {
      spy.mockRestore();
    }
  });

  it('a name the listing does not hold as written (case-insensitive or normalising file systems) is stat\'ed', () => {
    const dir = tempDir();
    for (let i = 0; i < 5; i++) fs.mkdirSync(path.join(dir, `d${i}`));
    const real = fs.readdirSync;
    const spy = vi.spyOn(fs, 'readdirSync').mockImplementation(((p: fs.PathLike, o: never) =>
      (real(p, o) as unknown as fs.Dirent[]).map((d) => Object.assign(Object.create(Object.getPrototypeOf(d)), d, { name: d.name.toUpperCase() }))) as never);
    try {
      const check = directoryChecker();
      for (let i = 0; i < 5; i++) expect(check(path.join(dir, `d${i}`))).toBe(true);
      expect(spy).toHaveBeenCalledTimes(1);
    } finally {
      spy.mockRestore();
    }
  });

  it('lists a shared parent once instead of a stat per agent', () => {
    const dir = tempDir();
    for (let i = 0; i < 50; i++) fs.mkdirSync(path.join(dir, `a${i}`));
    const stat = vi.spyOn(fs, 'statSync');
    const list = vi.spyOn(fs, 'readdirSync');
    try {
      const check = directoryChecker();
      for (let i = 0; i < 50; i++) expect(check(path.join(dir, `a${i}`))).toBe(true);
      expect(list).toHaveBeenCalledTimes(1);
      expect(stat.mock.calls.length).toBeLessThanOrEqual(2);
    } finally {
      stat.mockRestore();
      list.mockRestore();
    }
  });
});
