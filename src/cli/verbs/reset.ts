import type { Command } from 'commander';
import { openContext } from '../../context.js';
import { reset } from '../../lifecycle/index.js';
import { runVerb, usageError, withGlobals, type CommonOptions } from '../common.js';
import { printResult } from './wake.js';

interface ResetOpts extends CommonOptions {
  clear?: boolean;
  new?: boolean;
}

export function register(program: Command): void {
  withGlobals(
    program
      .command('reset')
      .argument('<name>', 'agent to reset')
      .description("give an agent a fresh context: interrupt if busy, send the runtime's reset command, verify, kickstart")
      .option('--clear', 'send /clear as the reset command')
      .option('--new', 'send /new as the reset command'),
  ).action(async (name: string, o: ResetOpts) =>
    runVerb(o.json, async () => {
      if (o.clear && o.new) throw usageError('fleet reset: --clear and --new exclude each other');
      const ctx = openContext(o);
      const r = await reset(ctx, name, { how: o.clear ? 'clear' : o.new ? 'new' : undefined });
      return printResult(o.json, r, r.outcome === 'reset' || r.outcome === 'restarted' || r.outcome === 'woken-fresh');
    }),
  );
}
