// `npm test`: build, typecheck, lint, then every vitest layer; ends with exactly ONE line "N passed, N failed"
// counted from the real results: build, typecheck and lint count as one check each; every vitest test
// counts once; a test file that fails to load counts as failed; a skipped or todo test counts as FAILED
// (the project allows no skipped tests), so nothing is ever reported as passed that did not run.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

// Tests never inherit the operator's tmux: TMUX/TMUX_PANE would point a careless call at their server.
const baseEnv = { ...process.env };
delete baseEnv.TMUX;
delete baseEnv.TMUX_PANE;
const run = (cmd, args) => {
  const r = spawnSync(cmd, args, { stdio: 'inherit', env: baseEnv });
  return r.status === 0;
};

let passed = 0;
let failed = 0;
const step = (name, ok) => {
  if (ok) passed++;
  else {
    failed++;
    console.error(`\n✗ ${name} failed`);
  }
};

const npx = (bin) => path.join('node_modules', '.bin', bin);
step('build', run('node', ['scripts/build.mjs']));
step('typecheck', run(npx('tsc'), ['-p', 'tsconfig.json']));
step('lint', run(npx('eslint'), ['.']));

// Runs vitest with the JSON reporter and adds its results to the counts. Returns false when vitest failed
// or its results could not be read.
const runVitest = (args, extraEnv = {}) => {
  const out = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'fleet-test-')), 'results.json');
  const r = spawnSync(npx('vitest'), ['run', '--reporter=default', '--reporter=json', `--outputFile.json=${out}`, ...args], {
    stdio: 'inherit',
    env: { ...baseEnv, ...extraEnv },
  });
  let counted = false;
  const failedBefore = failed;
  try {
    const res = JSON.parse(fs.readFileSync(out, 'utf8'));
    for (const file of res.testResults ?? []) {
      const results = file.assertionResults ?? [];
      if (results.length === 0 && file.status === 'failed') {
        failed++; // a test file that failed to load
        console.error(`✗ ${file.name}: ${String(file.message ?? 'failed to run').split('\n')[0]}`);
      }
      for (const t of results) {
        if (t.status === 'passed') passed++;
        else if (t.status === 'failed') failed++;
        else {
          failed++;
          console.error(`✗ ${t.status}: ${t.fullName ?? t.title} (${path.relative(process.cwd(), file.name)}) — a test that did not run counts as failed`);
        }
      }
    }
    counted = true;
  } catch (e) {
    console.error(`could not read vitest results: ${e.message}`);
  }
  fs.rmSync(path.dirname(out), { recursive: true, force: true });
  // vitest failed without a failing test in its results (crash, unhandled error): never report all-green
  if (!counted || (r.status !== 0 && failed === failedBefore)) failed++;
};

const README_E2E = 'test/e2e/readme.test.ts';
const filter = process.argv.slice(2);
if (filter.length > 0) {
  runVitest(filter);
} else {
  // Every layer but the README e2e first; then that one alone, because it clones the repo, runs the real
  // `npm ci` and the README's own `npm test` in the clone (which would compete with a parallel suite).
  // FLEET_E2E_QUICK=1 lets a developer take its shortcuts (see the file's header).
  runVitest(['--exclude', README_E2E]);
  runVitest([README_E2E]);
}
console.log(`${passed} passed, ${failed} failed`);
process.exit(failed === 0 ? 0 : 1);
