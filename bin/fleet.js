#!/bin/sh
":" //; [ -n "${MALLOC_ARENA_MAX+x}" ] || export MALLOC_ARENA_MAX=1 FLEET_SET_MALLOC_ARENA_MAX=1; exec node --max-semi-space-size=2 --single-threaded-gc --initial-heap-size=48 "$0" "$@"
// The `fleet` command. This file is read twice.
//
// As a shell script (the shebang), line 2 runs `:` and then execs node on this same file with V8 flags a
// cockpit needs (docs/BENCH.md "Memory", "Start-up"): a 2 MB young generation instead of 16 MB and garbage
// collection on the main thread only take `fleet top` at 500 agents from ≈ 140 MB to ≈ 100 MB resident; a
// 48 MB first heap limit keeps V8 from marking the whole heap while the first frame is drawn (≈ 15–20 ms;
// the heap is ≈ 20 MB then, and the limit follows what is live after the first full collection). It also sets
// MALLOC_ARENA_MAX=1 unless the operator set it: glibc otherwise gives each of node's threads its own malloc
// arena, ≈ 20 MB more resident at 500 agents for no gain (our threads rarely allocate at once); other C
// libraries ignore it. It is for this process only: removed from the environment below before anything is
// spawned, so neither tmux nor any agent inherits it.
// `#!/usr/bin/env -S node …` would do the same, but `env -S` is missing from some systems. As JavaScript,
// line 2 is a string and a comment; run as `node bin/fleet.js …` it works the same, without those settings.
//
// It runs the production bundle dist/fleet.cjs (npm run build) through a V8 code cache: the first run after a
// build compiles the bundle and saves V8's compiled code; later runs load that instead of parsing and
// compiling ≈ 1.4 MB of JavaScript again (Node 20 has no compile cache for ES modules; docs/BENCH.md
// "Start-up"). The cache lives in the state dir, `code-cache/` (found as the CLI finds it: --state-dir,
// $FLEET_STATE_DIR, $XDG_STATE_HOME/fleet, ~/.local/state/fleet), and only once that dir exists and is ours
// and private — fleet writes nowhere else; the demo, which must leave nothing behind, keeps none.
// $FLEET_CODE_CACHE names another directory (0700, ours); FLEET_CODE_CACHE=0 turns it off. V8 itself
// refuses a cache made by another build, Node or flag set, and the file name carries all three.
// Until the cockpit has a cache of its own (the first start after a build, every demo) it reads the one
// `npm run build` made in dist/code-cache/ (below).
//
// It is CommonJS (bin/package.json says so): Node reaches a CommonJS entry ≈ 6 ms sooner than an ES module
// one, which sets up the ES module loader first.
'use strict';
// Start-up marks for the benchmark's first-frame breakdown (src/domain/startup-marks.ts).
const launched = process.uptime();

const { createHash } = require('node:crypto');
const fs = require('node:fs');
const { createRequire } = require('node:module');
const os = require('node:os');
const path = require('node:path');
const vm = require('node:vm');

if (process.env.FLEET_SET_MALLOC_ARENA_MAX === '1') {
  // glibc read it when this process started; children must not inherit what the launcher chose.
  delete process.env.MALLOC_ARENA_MAX;
  delete process.env.FLEET_SET_MALLOC_ARENA_MAX;
}

const bundle = path.join(__dirname, '..', 'dist', 'fleet.cjs');
let source;
let stat;
try {
  stat = fs.statSync(bundle);
  source = fs.readFileSync(bundle, 'utf8');
} catch {
  process.stderr.write('fleet: the build is missing; run `npm run build` in ' + path.join(__dirname, '..') + path.sep + '\n');
  process.exit(1);
}

/** A directory of ours that others cannot write to. */
function private_(dir) {
  const st = fs.statSync(dir);
  return st.isDirectory() && (typeof process.getuid !== 'function' || st.uid === process.getuid()) && (st.mode & 0o022) === 0;
}

/** The state dir exactly as the CLI resolves it (src/state/paths.ts), from the command line and environment. */
function stateDir(argv) {
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === '--') break;
    if (argv[i] === '--state-dir' && argv[i + 1] !== undefined) return path.resolve(argv[i + 1]);
    if (argv[i].startsWith('--state-dir=')) return path.resolve(argv[i].slice('--state-dir='.length));
  }
  if (process.env.FLEET_STATE_DIR) return path.resolve(process.env.FLEET_STATE_DIR);
  return path.join(process.env.XDG_STATE_HOME || path.join(process.env.HOME || os.homedir(), '.local', 'state'), 'fleet');
}

/** Where the code cache goes, or null (no cache). */
function cacheDir(argv) {
  const set = process.env.FLEET_CODE_CACHE;
  if (set === '0') return null;
  try {
    let dir;
    if (set) {
      dir = set;
    } else {
      if (argv[0] === 'demo' || argv[0] === '--warm-code-cache' || (argv[0] === 'top' && argv.includes('--demo'))) return null;
      const state = stateDir(argv);
      if (!private_(state)) return null;
      dir = path.join(state, 'code-cache');
    }
    fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
    return private_(dir) ? dir : null;
  } catch {
    return null; // no state dir yet, not ours, unreadable: run without a cache
  }
}

// One cache for the cockpit (it covers React and Ink) and one for the other verbs.
const kind = ['top', 'demo', '--warm-code-cache'].includes(process.argv[2]) ? 'top' : 'cli';
const dir = cacheDir(process.argv.slice(2));
const flags = createHash('sha1').update(process.execArgv.join(' ')).digest('hex').slice(0, 8);
const prefix = `${kind}-${process.version}-${process.arch}-${flags}-`;
const name = `${prefix}${stat.size}-${Math.floor(stat.mtimeMs)}.v8`;
const file = dir && path.join(dir, name);

/** The file's bytes if it is ours and no one else may write it, else undefined. */
function readPrivate(f) {
  try {
    const st = fs.statSync(f);
    if (st.uid === (process.getuid?.() ?? st.uid) && (st.mode & 0o022) === 0) return fs.readFileSync(f);
  } catch {
    /* not there */
  }
  return undefined;
}

let cached = file ? readPrivate(file) : undefined;
// No cache of our own yet (the first start after a build, or the demo, which keeps none): the one the build
// made (`npm run build` runs `fleet --warm-code-cache`, a first frame drawn on a fake terminal) — read, never
// written. Its name says which build, Node and flags it is for. A real start compiles more than that
// warm-up, so our own cache is still saved as below.
const seedDir = path.join(__dirname, '..', 'dist', 'code-cache');
let seeded = false;
if (cached === undefined && kind === 'top' && process.env.FLEET_CODE_CACHE !== '0' && path.resolve(dir ?? '') !== seedDir) {
  try {
    if (private_(seedDir)) cached = readPrivate(path.join(seedDir, name));
    seeded = cached !== undefined;
  } catch {
    /* no seed */
  }
}

const script = new vm.Script(`(function (exports, require, module, __filename, __dirname) {${source}\n})`, {
  filename: bundle,
  ...(cached ? { cachedData: cached } : {}),
});
source = undefined;
const rejected = cached !== undefined && script.cachedDataRejected === true;
const missing = cached === undefined;
cached = undefined; // V8 has what it needs; do not keep the buffer alive

// Saved once, when there was no usable cache of our own: by the cockpit a moment after its first frame (so
// the cache holds what drawing it compiled), by every other verb as it exits.
let save = null;
if (file && (missing || rejected || seeded)) {
  save = () => {
    if (!save) return;
    save = null;
    const tmp = `${file}.${process.pid}.tmp`;
    try {
      fs.writeFileSync(tmp, script.createCachedData(), { mode: 0o600 });
      fs.renameSync(tmp, file);
      for (const f of fs.readdirSync(dir)) if (f.startsWith(prefix) && path.join(dir, f) !== file && !f.endsWith('.tmp')) fs.rmSync(path.join(dir, f), { force: true });
    } catch {
      fs.rmSync(tmp, { force: true });
    }
  };
  globalThis.__fleetSaveCodeCache = () => save?.();
  if (kind === 'cli') process.once('exit', () => save?.());
}

if (process.env.FLEET_BENCH_FIRST_FRAME === '1') globalThis.__fleetLaunchMarks = [['node', launched], [missing || rejected ? 'bundle compiled' : seeded ? 'bundle compiled (build cache)' : 'bundle compiled (cache)', process.uptime()]];
const mod = { exports: {} };
script.runInThisContext()(mod.exports, createRequire(bundle), mod, bundle, path.dirname(bundle));
