import type { Command } from 'commander';
import { OperationError } from '../../domain/errors.js';
import { runVerb, withGlobals, type CommonOptions } from '../common.js';

// Placeholder: replaced by the issue that builds `fleet top`.
export function register(program: Command): void {
  withGlobals(program.command('top').description('(not built yet)')).action(async (o: CommonOptions) =>
    runVerb(o.json, async () => {
      throw new OperationError('fleet top is not built yet');
    }),
  );
}
