import type { Command } from 'commander';
import { runDoctor } from '../../doctor.js';
import { sanitize } from '../../domain/sanitize.js';
import { runVerb, stdio, toJson, withGlobals, type CommonOptions } from '../common.js';

export function register(program: Command): void {
  withGlobals(program.command('doctor').description('check tmux, the roster, the socket, the state dir and runtimes; say how to fix problems')).action(
    async (o: CommonOptions) =>
      runVerb(o.json, async () => {
        const checks = await runDoctor(o);
        if (o.json) stdio.out(toJson(checks));
        else {
          for (const c of checks) {
            const mark = c.status === 'ok' ? 'ok  ' : c.status === 'warn' ? 'warn' : 'FAIL';
            // details quote outside input (roster text, tmux output): sanitised before they reach the terminal
            stdio.out(sanitize(`${mark}  ${c.check}: ${c.detail}${c.fix ? `\n      → ${c.fix}` : ''}`));
          }
          const bad = checks.filter((c) => c.status === 'fail').length;
          stdio.out(bad === 0 ? 'all good' : `${bad} problem(s) to fix`);
        }
        return checks.some((c) => c.status === 'fail') ? 1 : 0;
      }),
  );
}
