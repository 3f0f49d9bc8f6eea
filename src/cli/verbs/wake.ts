import type { Command } from 'commander';
import { openContext } from '../../context.js';
import { sanitize } from '../../domain/sanitize.js';
import { wake } from '../../lifecycle/index.js';
import { runVerb, stdio, usageError, withGlobals, type CommonOptions } from '../common.js';

/** A lifecycle result printed: JSON with --json, else one line (`a1: ready (fresh)`); failures go to stderr. */
export function printResult(json: boolean | undefined, r: { name: string; outcome: string; reason?: string | undefined; mode?: string | undefined }, ok: boolean): number {
  if (json) stdio.out(JSON.stringify(r));
  const what = `${r.name}: ${r.outcome.replace(/-/g, ' ')}${r.mode ? ` (${r.mode})` : ''}`;
  const why = r.reason ? sanitize(r.reason, { singleLine: true, max: 600 }) : '';
  if (ok) {
    if (!json) stdio.out(why ? `${what} — ${why}` : what);
    return 0;
  }
  stdio.err(`fleet: ${why && r.outcome === 'refused' ? why : why ? `${what}: ${why}` : what}`);
  return 1;
}

interface WakeOpts extends CommonOptions {
  fresh?: boolean;
  resume?: boolean;
  task?: string;
  wait?: boolean;
}

export function register(program: Command): void {
  withGlobals(
    program
      .command('wake')
      .argument('<name>', 'agent to wake')
      .description('wake an agent: reuse its live session or launch one (resume when it has a transcript, else fresh)')
      .option('--fresh', 'start a fresh session (the kickstart is sent first)')
      .option('--resume', 'resume its last session; fail when there is nothing to resume')
      .option('--task <text>', 'send this task once it is up (after the kickstart on a fresh wake)')
      .option('--no-wait', 'return once launched, without waiting for the transcript (ready gate)'),
  ).action(async (name: string, o: WakeOpts) =>
    runVerb(o.json, async () => {
      if (o.fresh && o.resume) throw usageError('fleet wake: --fresh and --resume exclude each other');
      const ctx = openContext(o);
      const mode = o.fresh ? 'fresh' : o.resume ? 'resume' : undefined;
      const r = await wake(ctx, name, { mode, task: o.task, waitReady: o.wait !== false });
      return printResult(o.json, r, r.outcome === 'ready' || r.outcome === 'already-live');
    }),
  );
}
