import type { Command } from 'commander';
import { loadCockpit } from '../../cockpit/load.js';
import { ConfigError } from '../../domain/errors.js';
import { shQuote } from '../../demo/agents.js';
import { setupDemo, type Demo } from '../../demo/setup.js';
import { runVerb, stdio, withGlobals, type CommonOptions } from '../common.js';

interface DemoOptions extends CommonOptions {
  headless?: boolean;
  readOnly?: boolean;
}

const SIGNALS = { SIGINT: 2, SIGTERM: 15, SIGHUP: 1 } as const;
type Sig = keyof typeof SIGNALS;

export function register(program: Command): void {
  withGlobals(
    program
      .command('demo')
      .description('a live demo fleet on a private tmux socket (stand-in agents, temp roster and state); removed on exit')
      .option('--headless', 'no cockpit: print how to reach the demo fleet from another terminal, run until Ctrl-C')
      .option('--read-only', 'open the cockpit without the dangerous actions')
      .addHelpText(
        'after',
        '\nThe demo makes its own socket (fleet-demo-<pid>-<random>), roster and state dir, so --socket,\n' +
          '--roster and --state-dir are refused. Quitting (q, Ctrl-C, SIGTERM, SIGHUP) kills the demo\'s\n' +
          'tmux server and removes its socket file and temp dir — nothing else.',
      ),
  ).action(async (o: DemoOptions) =>
    runVerb(o.json, async () => {
      for (const [flag, v] of [['--socket', o.socket], ['--roster', o.roster], ['--state-dir', o.stateDir]] as const) {
        if (v !== undefined) throw new ConfigError(`fleet demo makes its own private socket, roster and state dir; ${flag} cannot be used with it`);
      }
      return runDemo({ headless: o.headless ?? false, readOnly: o.readOnly ?? false, json: o.json ?? false });
    }),
  );
}

/** setupDemo → cockpit (or wait, headless) → cleanup; cleanup also on signals and errors. */
export async function runDemo(o: { headless: boolean; readOnly: boolean; json: boolean }): Promise<number> {
  if (!o.headless && (!process.stdin.isTTY || !process.stdout.isTTY)) {
    // Checked before anything is started: the cockpit would refuse only after the fleet was up.
    throw new ConfigError('fleet demo needs a terminal (stdin and stdout must be a tty); without one, run `fleet demo --headless`');
  }
  let demo: Demo | null = null;
  let caught: Sig | null = null;
  let wake: (() => void) | null = null;
  // While the cockpit runs it owns signals and crashes (it restores the terminal and returns); the
  // `finally` below then cleans up. These handlers cover setup and --headless.
  let cockpitRunning = false;
  const onSignal = (sig: Sig): void => {
    if (cockpitRunning) return;
    caught ??= sig;
    if (wake) wake();
    else if (demo) void demo.cleanup().finally(() => process.exit(128 + SIGNALS[sig]));
  };
  const handlers: [string, (e?: unknown) => void][] = (Object.keys(SIGNALS) as Sig[]).map((sig) => [sig, () => onSignal(sig)]);
  // A crash elsewhere (an exception in an event handler) would skip `finally`: clean up, then exit 1.
  const onCrash = (e: unknown): void => {
    if (cockpitRunning) return;
    stdio.err(`fleet demo: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}`);
    void (demo?.cleanup() ?? Promise.resolve()).finally(() => process.exit(1));
  };
  handlers.push(['uncaughtException', onCrash], ['unhandledRejection', onCrash]);
  for (const [ev, h] of handlers) process.on(ev, h);
  try {
    demo = await setupDemo(o.json ? {} : { log: (l) => stdio.err(l) });
    if (caught) return 128 + SIGNALS[caught];
    if (o.headless) {
      printHeadless(demo, o.json);
      // A pending promise does not keep Node alive (the agents live in tmux, not here): hold a timer.
      const keepAlive = setInterval(() => undefined, 1 << 30);
      await new Promise<void>((resolve) => {
        wake = resolve;
        if (caught) resolve();
      });
      clearInterval(keepAlive);
      return 0;
    }
    const runCockpit = await loadCockpit();
    cockpitRunning = true;
    return await runCockpit({ globals: demo.globals, readOnly: o.readOnly, env: demo.env });
  } finally {
    if (demo) await demo.cleanup();
    for (const [ev, h] of handlers) process.off(ev, h);
  }
}

function printHeadless(demo: Demo, json: boolean): void {
  if (json) {
    stdio.out(JSON.stringify({ ...demo.globals, root: demo.root, env: demo.env, agents: demo.agents.map((a) => a.name) }));
    return;
  }
  const exports = Object.entries(demo.env).map(([k, v]) => `${k}=${shQuote(v)}`).join(' ');
  stdio.out(
    [
      `fleet demo: ${demo.agents.length} agents on tmux socket ${demo.globals.socket}`,
      'From another terminal:',
      `  export ${exports}`,
      '  node bin/fleet.js ls        # or: fleet top, fleet wake docs-1, fleet send reviewer-1 --text "review PR 7"',
      'Ctrl-C stops the demo and removes everything it made.',
    ].join('\n'),
  );
}
