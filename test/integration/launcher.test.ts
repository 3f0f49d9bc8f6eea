import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { makeTestFleet } from '../helpers/fleet-env.js';
import { FLEET_BIN, tempDir, waitFor } from '../helpers/tmux.js';

/** bin/fleet.js: a shell-and-JavaScript launcher with V8 flags and a V8 code cache (docs/BENCH.md). */
function run(args: string[], env: Record<string, string>, direct = true): { code: number | null; stdout: string; stderr: string } {
  const r = direct
    ? spawnSync(FLEET_BIN, args, { env: { ...process.env, ...env }, encoding: 'utf8' })
    : spawnSync(process.execPath, [FLEET_BIN, ...args], { env: { ...process.env, ...env }, encoding: 'utf8' });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}
/** The V8 flags the launcher's shell line gives node. */
const NODE_FLAGS = /exec node (.*?) "\$0"/.exec(fs.readFileSync(FLEET_BIN, 'utf8'))?.[1] ?? 'the shell line of bin/fleet.js changed';
const caches = (dir: string): string[] => (fs.existsSync(dir) ? fs.readdirSync(dir).filter((f) => f.endsWith('.v8')).sort() : []);

describe('bin/fleet.js launcher', () => {
  it('runs as a command (through its shell line, with the memory flags) and as `node bin/fleet.js`', () => {
    const cache = path.join(tempDir(), 'cc');
    const direct = run(['--version'], { FLEET_CODE_CACHE: cache });
    expect(direct.code, direct.stderr).toBe(0);
    expect(direct.stdout.trim()).toMatch(/^\d+\.\d+\.\d+$/);
    const viaNode = run(['--version'], { FLEET_CODE_CACHE: cache }, false);
    expect(viaNode.code, viaNode.stderr).toBe(0);
    expect(viaNode.stdout).toBe(direct.stdout);
    // A cache file's name carries a hash of node's flags: run as a command node really got the memory flags,
    // run as `node bin/fleet.js` none — two caches, neither rejecting the other's.
    const hash = (flags: string): string => createHash('sha1').update(flags).digest('hex').slice(0, 8);
    expect(NODE_FLAGS).toMatch(/^--max-semi-space-size=2 --single-threaded-gc --initial-heap-size=\d+$/);
    expect(caches(cache).map((f) => f.split('-')[3]).sort()).toEqual([hash(NODE_FLAGS), hash('')].sort());
    // Exit codes pass through the exec: a configuration error is still 2.
    const bad = run(['ls', '--roster', path.join(cache, 'missing.yaml')], { FLEET_CODE_CACHE: cache });
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/no roster at/);
  });

  it('code cache: written once, reused untouched, a corrupt one refused by V8 and rewritten, an unsafe dir ignored, 0 turns it off', () => {
    const base = tempDir();
    const cache = path.join(base, 'cc');
    expect(run(['--version'], { FLEET_CODE_CACHE: cache }).code).toBe(0);
    const [file] = caches(cache);
    expect(file).toMatch(/^cli-v\d+\.\d+\.\d+-\w+-[0-9a-f]{8}-\d+-\d+\.v8$/);
    const full = path.join(cache, file!);
    expect(fs.statSync(cache).mode & 0o777).toBe(0o700);
    expect(fs.statSync(full).mode & 0o777).toBe(0o600);
    const first = fs.statSync(full).mtimeMs;
    expect(run(['--version'], { FLEET_CODE_CACHE: cache }).code).toBe(0);
    expect(fs.statSync(full).mtimeMs).toBe(first); // accepted: not written again

    // Garbage where the cache was: V8 refuses it, the command still works, the cache is rewritten.
    fs.writeFileSync(full, Buffer.alloc(4096, 0x41), { mode: 0o600 });
    const r = run(['--version'], { FLEET_CODE_CACHE: cache });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout.trim()).toMatch(/^\d+\.\d+\.\d+$/);
    expect(fs.readFileSync(full).subarray(0, 16).equals(Buffer.alloc(16, 0x41))).toBe(false);

    // A directory others may write to is not used at all (nothing read, nothing written).
    const open = path.join(base, 'open');
    fs.mkdirSync(open, { mode: 0o777 });
    fs.chmodSync(open, 0o777);
    expect(run(['--version'], { FLEET_CODE_CACHE: open }).code).toBe(0);
    expect(caches(open)).toEqual([]);

    // Without FLEET_CODE_CACHE: in the state dir (code-cache/, private), only once that dir exists and is
    // private — fleet writes nowhere else (test/faults/permissions.test.ts); and never for the demo.
    const state = path.join(base, 'state');
    const noCache = { FLEET_CODE_CACHE: '', HOME: path.join(base, 'home'), XDG_STATE_HOME: '', FLEET_STATE_DIR: '' };
    expect(run(['--version', '--state-dir', state], noCache).code).toBe(0);
    expect(fs.existsSync(state)).toBe(false); // not created by the launcher
    fs.mkdirSync(state, { mode: 0o700 });
    expect(run(['ls', '--state-dir', state, '--roster', path.join(base, 'none.yaml')], noCache).code).toBe(2);
    expect(caches(path.join(state, 'code-cache'))).toHaveLength(1);
    expect(fs.statSync(path.join(state, 'code-cache')).mode & 0o777).toBe(0o700);
    const shared = path.join(base, 'shared-state');
    fs.mkdirSync(shared);
    fs.chmodSync(shared, 0o775);
    expect(run(['--version'], { ...noCache, FLEET_STATE_DIR: shared }).code).toBe(0);
    expect(fs.existsSync(path.join(shared, 'code-cache'))).toBe(false);

    const off = path.join(base, 'off');
    expect(run(['--version'], { FLEET_CODE_CACHE: '0', XDG_CACHE_HOME: off, HOME: off }).code).toBe(0);
    expect(fs.existsSync(off)).toBe(false);
  });

  it("the build's code cache: made by `npm run build` for this bundle, read by the cockpit when it has none of its own, never written, refused when corrupt or unsafe", () => {
    const repo = path.resolve(path.dirname(FLEET_BIN), '..');
    const hash = createHash('sha1').update(NODE_FLAGS).digest('hex').slice(0, 8);
    const nameFor = (bundle: string): string => {
      const st = fs.statSync(bundle);
      return `top-${process.version}-${process.arch}-${hash}-${st.size}-${Math.floor(st.mtimeMs)}.v8`;
    };
    expect(caches(path.join(repo, 'dist/code-cache'))).toEqual([nameFor(path.join(repo, 'dist/fleet.cjs'))]);
    // A copy of the launcher, the bundle and that cache (renamed for the copy's timestamp), so this test can
    // spoil it without touching the one every other test starts from.
    const copy = path.join(tempDir(), 'fleet');
    for (const f of ['bin/fleet.js', 'bin/package.json', 'dist/fleet.cjs']) {
      fs.mkdirSync(path.dirname(path.join(copy, f)), { recursive: true });
      fs.cpSync(path.join(repo, f), path.join(copy, f));
    }
    fs.mkdirSync(path.join(copy, 'dist/code-cache'), { mode: 0o700 });
    const seed = nameFor(path.join(copy, 'dist/fleet.cjs'));
    fs.cpSync(path.join(repo, 'dist/code-cache', nameFor(path.join(repo, 'dist/fleet.cjs'))), path.join(copy, 'dist/code-cache', seed));
    const seedBytes = fs.readFileSync(path.join(copy, 'dist/code-cache', seed));

    // The warm-up walks the cockpit's start on a fake terminal; it reports how the bundle was compiled.
    const warm = (env: Record<string, string>): string => {
      const r = spawnSync(path.join(copy, 'bin/fleet.js'), ['--warm-code-cache'], { env: { ...process.env, FLEET_BENCH_FIRST_FRAME: '1', ...env }, encoding: 'utf8' });
      expect(r.status, r.stderr).toBe(0);
      return /warm-up done \((.*)\)/.exec(r.stderr)?.[1] ?? `no report: ${r.stderr}`;
    };
    const own = path.join(tempDir(), 'cc');
    expect(warm({ FLEET_CODE_CACHE: own })).toMatch(/bundle compiled \(build cache\) \d+ · cli/);
    // V8 took it; our own cache was still written (a real start compiles more), the build's left as it was.
    expect(caches(own)).toEqual([seed]);
    expect(fs.readFileSync(path.join(copy, 'dist/code-cache', seed)).equals(seedBytes)).toBe(true);
    expect(warm({ FLEET_CODE_CACHE: own })).toMatch(/bundle compiled \(cache\) \d+/); // ours, from now on
    expect(warm({ FLEET_CODE_CACHE: '0' })).toMatch(/bundle compiled \d+/); // off means off
    // Spoilt: V8 refuses it and the command still works.
    fs.writeFileSync(path.join(copy, 'dist/code-cache', seed), Buffer.alloc(4096, 0x41));
    expect(warm({ FLEET_CODE_CACHE: path.join(tempDir(), 'cc') })).toMatch(/bundle compiled \d+/);
    // A cache dir others may write to is not read at all.
    fs.writeFileSync(path.join(copy, 'dist/code-cache', seed), seedBytes);
    fs.chmodSync(path.join(copy, 'dist/code-cache'), 0o777);
    expect(warm({ FLEET_CODE_CACHE: path.join(tempDir(), 'cc') })).toMatch(/bundle compiled \d+/);
    fs.chmodSync(path.join(copy, 'dist/code-cache'), 0o700);
    expect(warm({ FLEET_CODE_CACHE: path.join(tempDir(), 'cc') })).toMatch(/bundle compiled \(build cache\)/);
  });

  it('MALLOC_ARENA_MAX=1 for fleet itself (unless the operator set one), and never passed on to tmux or an agent', async () => {
    // A `node` first on PATH that records what it was started with, then runs the real one.
    const dir = tempDir();
    const seen = path.join(dir, 'node-env');
    fs.writeFileSync(path.join(dir, 'node'), `#!/bin/sh\n{ echo "ARGS $*"; env; } > '${seen}'\nexec '${process.execPath}' "$@"\n`, { mode: 0o755 });
    const PATH = `${dir}:${process.env.PATH ?? ''}`;
    for (const operator of [undefined, '4']) {
      const f = makeTestFleet();
      const agentEnv = path.join(dir, `agent-env-${operator ?? 'unset'}`);
      f.writeRoster(`version: 1\nagents:\n  - name: a1\n    runtime: shell\n    cwd: ${f.cwd('a1')}\n    command: env > '${agentEnv}'; exec sleep 100000\n`);
      const env: Record<string, string> = { ...f.env, PATH, FLEET_CODE_CACHE: '0' };
      delete env.MALLOC_ARENA_MAX;
      if (operator) env.MALLOC_ARENA_MAX = operator;
      // fleet starts the tmux server here (none yet), so the server and the agent get fleet's environment.
      const r = spawnSync(FLEET_BIN, ['wake', 'a1'], { env, encoding: 'utf8' });
      expect(r.status, r.stderr).toBe(0);
      const started = fs.readFileSync(seen, 'utf8');
      expect(started.startsWith(`ARGS ${NODE_FLAGS} `)).toBe(true);
      expect(started).toContain(`\nMALLOC_ARENA_MAX=${operator ?? '1'}\n`);
      const agent = await waitFor(() => fs.existsSync(agentEnv) && fs.readFileSync(agentEnv, 'utf8'), { what: 'the agent wrote its environment' });
      expect(agent).toContain('FLEET_SOCKET='); // it is the agent's environment, and complete
      expect(agent).not.toContain('FLEET_SET_MALLOC_ARENA_MAX');
      if (operator) expect(agent).toContain(`\nMALLOC_ARENA_MAX=${operator}\n`); // the operator's own is theirs to pass on
      else expect(agent).not.toContain('MALLOC_ARENA_MAX');
    }
  });
});
