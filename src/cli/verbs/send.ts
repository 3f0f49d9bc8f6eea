import type { Command } from 'commander';
import { openContext } from '../../context.js';
import { ConfigError, didYouMean } from '../../domain/errors.js';
import { runVerb } from '../common.js';
import { runDelivery, withDeliveryOptions, type DeliveryVerbOptions } from './broadcast.js';


export function register(program: Command): void {
  withDeliveryOptions(
    program
      .command('send')
      .argument('<name>', 'the agent')
      .description('send text to one agent: pasted, submitted and verified (woken first if asleep)'),
  ).action(async (name: string, o: DeliveryVerbOptions) =>
    runVerb(o.json, async () => {
      // One exact agent: an unknown name is a usage error (exit 2), as for wake/reset/stop.
      const ctx = openContext(o);
      if (!ctx.roster.agents.some((a) => a.name === name)) {
        const dym = didYouMean(name, ctx.roster.agents.map((a) => a.name));
        throw new ConfigError(`unknown agent ${JSON.stringify(name)}: not in roster ${ctx.rosterPath}${dym ? ` (did you mean ${dym}?)` : ''}`);
      }
      return runDelivery('send', [name], o);
    }),
  );
}
