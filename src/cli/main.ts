import { Command, CommanderError } from 'commander';
import { sanitize } from '../domain/sanitize.js';
import { toJson } from './common.js';
import * as attach from './verbs/attach.js';
import * as broadcast from './verbs/broadcast.js';
import * as demo from './verbs/demo.js';
import * as doctor from './verbs/doctor.js';
import * as init from './verbs/init.js';
import * as ls from './verbs/ls.js';
import * as reset from './verbs/reset.js';
import * as runs from './verbs/runs.js';
import * as send from './verbs/send.js';
import * as start from './verbs/start.js';
import * as stop from './verbs/stop.js';
import * as supervise from './verbs/supervise.js';
import * as top from './verbs/top.js';
import * as wake from './verbs/wake.js';

export const VERSION = '0.1.0';

/** The verb modules, in the order `fleet --help` lists them (DESIGN §8). */
export const VERBS = [top, ls, wake, reset, attach, send, broadcast, runs, stop, start, supervise, init, doctor, demo];

/** Where commander writes help and usage errors (tests capture it). */
export interface ProgramOutput {
  writeOut(s: string): void;
  writeErr(s: string): void;
}

export function buildProgram(output?: ProgramOutput): Command {
  const program = new Command('fleet')
    .description('A terminal cockpit for a fleet of AI coding agents, each in its own tmux session.')
    .version(VERSION)
    .showHelpAfterError('(run with --help for usage)')
    .exitOverride();
  // Set before the verbs register so every subcommand inherits it. Usage errors echo what was typed
  // (an unknown option may hold escape sequences): they pass through the sanitiser.
  program.configureOutput({ ...(output ?? {}), outputError: (str, write) => write(sanitize(str)) });
  for (const v of VERBS) v.register(program);
  runs.installRecoveryHook(program); // finish broadcast runs a killed fleet left behind (DESIGN §7)
  program.commands.forEach((c) => c.exitOverride());
  return program;
}

/**
 * Runs the CLI. Exit codes (DESIGN §8): 0 done, 1 the operation failed, 2 usage or configuration error.
 * A usage error with `--json` anywhere on the line is also printed to stdout as `{"error", "exitCode": 2}`
 * so scripts that parse stdout never see plain text.
 */
export async function main(argv: string[] = process.argv, output?: ProgramOutput): Promise<number> {
  const program = buildProgram(output);
  try {
    await program.parseAsync(argv);
  } catch (e) {
    if (e instanceof CommanderError) {
      // help and version exit 0; usage errors exit 2 (commander already printed the message)
      const code = e.exitCode === 0 ? 0 : 2;
      if (code !== 0 && argv.slice(2).includes('--json')) {
        const line = toJson({ error: sanitize(e.message.replace(/^error: /, '')), exitCode: code }, 0) + '\n';
        if (output) output.writeOut(line);
        else process.stdout.write(line);
      }
      process.exitCode = code;
      return code;
    }
    throw e;
  }
  return typeof process.exitCode === 'number' ? process.exitCode : 0;
}
