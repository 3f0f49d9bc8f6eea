import type { Command } from 'commander';
import { openContext } from '../../context.js';
import { stop } from '../../lifecycle/index.js';
import { runVerb, withGlobals, type CommonOptions } from '../common.js';
import { printResult } from './wake.js';

export function register(program: Command): void {
  withGlobals(
    program
      .command('stop')
      .argument('<name>', 'agent to stop')
      .description('kill the agent\'s session (only =name, never the server) and keep it stopped until fleet start'),
  ).action(async (name: string, o: CommonOptions) =>
    runVerb(o.json, async () => {
      const ctx = openContext(o);
      const r = await stop(ctx, name);
      return printResult(o.json, r.outcome === 'stopped' && !r.killed ? { ...r, reason: r.reason ?? 'it had no session' } : r, r.outcome === 'stopped');
    }),
  );
}
