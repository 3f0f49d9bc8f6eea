import type { Command } from 'commander';
import { runVerb, withGlobals, type CommonOptions } from '../common.js';
import { loadCockpit, prepareCockpit } from '../../cockpit/load.js';
import { runDemo } from './demo.js';

interface TopOptions extends CommonOptions {
  readOnly?: boolean;
  demo?: boolean;
}

export function register(program: Command): void {
  withGlobals(program.command('top').description('the full-screen cockpit: a live grid of every agent'), false)
    .option('--read-only', 'hide dangerous actions (reset, stop, broadcast) and never supervise')
    .option('--demo', 'a private demo fleet of stand-in agents, removed on exit')
    .action(async (o: TopOptions) =>
      runVerb(false, async () => {
        // `fleet top --demo` is `fleet demo`: the same setup, signal handling and cleanup.
        if (o.demo) return runDemo({ headless: false, readOnly: o.readOnly ?? false, json: false });
        // React and Ink load only here, so every other verb starts fast.
        const globals = { socket: o.socket, roster: o.roster, stateDir: o.stateDir };
        const prepared = prepareCockpit(globals); // the first list-panes runs while the chunk below compiles
        const runCockpit = await loadCockpit();
        const code = await runCockpit({ globals, readOnly: o.readOnly ?? false, prepared });
        // Work still in flight (a broadcast the operator quit during) must not hold the shell with an
        // invisible process: the ledger records where it stood and the next fleet command finishes it.
        setTimeout(() => process.exit(code), 500).unref();
        return code;
      }),
    );
}
