import { main } from './main.js';

main().catch((e: unknown) => {
  process.stderr.write(`fleet: ${e instanceof Error ? e.message : String(e)}\n`);
  process.exitCode = 1;
});
