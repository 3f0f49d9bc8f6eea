import type { Command } from 'commander';
import { openContext } from '../../context.js';
import { start } from '../../lifecycle/index.js';
import { runVerb, withGlobals, type CommonOptions } from '../common.js';
import { printResult } from './wake.js';

interface StartOpts extends CommonOptions {
  wake?: boolean;
}

export function register(program: Command): void {
  withGlobals(
    program
      .command('start')
      .argument('<name>', 'agent to start')
      .description('clear the agent\'s stop flag so it can be woken again')
      .option('--wake', 'and wake it now'),
  ).action(async (name: string, o: StartOpts) =>
    runVerb(o.json, async () => {
      const ctx = openContext(o);
      const r = await start(ctx, name, { wake: o.wake === true });
      const ok = r.outcome === 'started' || r.outcome === 'not-stopped' || r.outcome === 'ready' || r.outcome === 'already-live';
      return printResult(o.json, r, ok);
    }),
  );
}
