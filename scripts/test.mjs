// `npm test`: build, typecheck, lint, then every vitest layer; ends with ONE line "N passed, N failed"
// counted from the real results (typecheck and lint count as one check each; skipped tests are
// reported as skipped, never as passed).
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

const run = (cmd, args, extraEnv = {}) => {
  const r = spawnSync(cmd, args, { stdio: 'inherit', env: { ...process.env, ...extraEnv } });
  return r.status === 0;
};

let passed = 0;
let failed = 0;
let skipped = 0;
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

const out = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'fleet-test-')), 'results.json');
const filter = process.argv.slice(2);
const ok = run(npx('vitest'), ['run', '--reporter=default', '--reporter=json', `--outputFile.json=${out}`, ...filter], { TMUX: '' });
let counted = false;
try {
  const r = JSON.parse(fs.readFileSync(out, 'utf8'));
  for (const file of r.testResults ?? []) {
    const results = file.assertionResults ?? [];
    if (results.length === 0 && file.status === 'failed') {
      failed++; // a test file that failed to load
      console.error(`✗ ${file.name}: ${String(file.message ?? 'failed to run').split('\n')[0]}`);
    }
    for (const t of results) {
      if (t.status === 'passed') passed++;
      else if (t.status === 'failed') failed++;
      else skipped++;
    }
  }
  counted = true;
} catch (e) {
  console.error(`could not read vitest results: ${e.message}`);
}
if (!counted || (!ok && failed === 0)) failed++;
console.log(`${passed} passed, ${failed} failed${skipped ? `, ${skipped} skipped` : ''}`);
process.exit(failed === 0 ? 0 : 1);
