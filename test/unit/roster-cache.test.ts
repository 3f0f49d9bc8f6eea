import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { openContext } from '../../src/context.js';
import { ConfigError } from '../../src/domain/errors.js';
import { loadRoster } from '../../src/state/roster-file.js';
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
