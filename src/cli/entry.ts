import { startupMark } from '../domain/startup-marks.js';
import { main } from './main.js';

startupMark('cli');

main().catch((e: unknown) => {
  process.stderr.write(`fleet: ${e instanceof Error ? e.message : String(e)}\n`);
  process.exitCode = 1;
});
