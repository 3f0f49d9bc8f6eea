import type { Command } from 'commander';
import { OperationError } from '../../domain/errors.js';
import { runVerb, withGlobals, type CommonOptions } from '../common.js';

// Placeholder: replaced by the issue that builds `fleet send`.
export function register(program: Command): void {
  withGlobals(program.command('send').description('(not built yet)')).action(async (o: CommonOptions) =>
    runVerb(o.json, async () => {
      throw new OperationError('fleet send is not built yet');
    }),
  );
}
