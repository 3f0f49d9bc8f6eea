import type { Command } from 'commander';
import { openContext } from '../../context.js';
import { attach } from '../../lifecycle/index.js';
import { runVerb, withGlobals, type CommonOptions } from '../common.js';
import { printResult } from './wake.js';

export function register(program: Command): void {
  withGlobals(
    program
      .command('attach')
      .argument('<name>', 'agent to attach to')
      .description('wake the agent if asleep, then attach this terminal to its session (returns on detach)'),
  ).action(async (name: string, o: CommonOptions) =>
    runVerb(o.json, async () => {
      const ctx = openContext(o);
      const r = await attach(ctx, name);
      return printResult(o.json, r, r.outcome !== 'failed');
    }),
  );
}
