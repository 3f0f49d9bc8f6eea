import { startupMark } from '../domain/startup-marks.js';
import { main } from './main.js';

startupMark('cli');

const fail = (e: unknown): void => {
  process.stderr.write(`fleet: ${e instanceof Error ? e.message : String(e)}\n`);
  process.exitCode = 1;
};

if (process.argv.length === 3 && process.argv[2] === '--warm-code-cache') {
  // Internal, run by `npm run build` (src/cockpit/warm-up.ts); not a verb, so not in --help.
  import('../cockpit/warm-up.js').then((m) => m.warmUpCockpit()).catch(fail);
} else {
  main().catch(fail);
}
