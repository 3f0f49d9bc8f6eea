#!/usr/bin/env node
// The `fleet` command: runs the production bundle (npm run build makes it).
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const bundle = new URL('../dist/fleet.js', import.meta.url);
if (!existsSync(fileURLToPath(bundle))) {
  process.stderr.write('fleet: the build is missing; run `npm run build` in ' + fileURLToPath(new URL('..', import.meta.url)) + '\n');
  process.exit(1);
}
await import(bundle.href);
