import { Command, Option } from 'commander';
import { ConfigError, exitCodeOf } from '../domain/errors.js';
import { sanitize } from '../domain/sanitize.js';
import type { GlobalOptions } from '../state/paths.js';

export interface CommonOptions extends GlobalOptions {
  json?: boolean;
}

/** Adds the options every verb takes (DESIGN §8). */
export function withGlobals(cmd: Command, json = true): Command {
  cmd
    .option('--socket <name>', 'tmux socket name (-L); default $FLEET_SOCKET, roster tmux.socket, "fleet"')
    .option('--roster <file>', 'roster file; default $FLEET_ROSTER or $XDG_CONFIG_HOME/fleet/fleet.yaml')
    .option('--state-dir <dir>', 'state dir; default $FLEET_STATE_DIR or $XDG_STATE_HOME/fleet');
  if (json) cmd.addOption(new Option('--json', 'print the result as JSON'));
  return cmd;
}

export interface Io {
  out: (s: string) => void;
  err: (s: string) => void;
}

export const stdio: Io = {
  out: (s) => process.stdout.write(s.endsWith('\n') ? s : s + '\n'),
  err: (s) => process.stderr.write(s.endsWith('\n') ? s : s + '\n'),
};

/**
 * Runs a verb body and maps what it throws to exit codes: ConfigError → 2, anything else → 1.
 * The body returns the exit code (0 or 1). With --json an error is also printed as {"error": …}.
 */
export async function runVerb(json: boolean | undefined, body: () => Promise<number | void>, io: Io = stdio): Promise<void> {
  let code: number;
  try {
    code = (await body()) ?? 0;
  } catch (e) {
    code = exitCodeOf(e);
    // Error text can carry outside input (roster keys, tmux stderr, agent names): never raw to the terminal.
    const msg = sanitize(e instanceof Error ? e.message : String(e));
    if (json) io.out(toJson({ error: msg, exitCode: code }, 0));
    io.err(`fleet: ${msg}`);
    if (!(e instanceof ConfigError) && code === 1 && process.env.FLEET_DEBUG && e instanceof Error && e.stack) io.err(e.stack);
  }
  process.exitCode = code;
}

/**
 * JSON for stdout. Lossless, but C1 controls, DEL and bidi overrides are written as \\u escapes
 * (JSON.stringify leaves them raw, and a terminal may act on them); C0 controls JSON escapes already.
 */
export function toJson(value: unknown, indent = 2): string {
  return JSON.stringify(value, null, indent).replace(
    /[\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g,
    (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`,
  );
}

export function usageError(message: string): ConfigError {
  return new ConfigError(message);
}

/** Plain aligned text table (for CLI output; the cockpit has its own). */
export function textTable(headers: readonly string[], rows: readonly (readonly string[])[]): string {
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: readonly string[]): string =>
    cells.map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i] ?? 0))).join('  ').trimEnd();
  return [line(headers), ...rows.map(line)].join('\n');
}
