import type { Command } from 'commander';
import { runDoctor } from '../../doctor.js';
import { runVerb, stdio, withGlobals, type CommonOptions } from '../common.js';

export function register(program: Command): void {
  withGlobals(program.command('doctor').description('check tmux, the roster, the socket, the state dir and runtimes; say how to fix problems')).action(
    async (o: CommonOptions) =>
      runVerb(o.json, async () => {
        const checks = await runDoctor(o);
        if (o.json) stdio.out(JSON.stringify(checks, null, 2));
        else {
          for (const c of checks) {
            const mark = c.status === 'ok' ? 'ok  ' : c.status === 'warn' ? 'warn' : 'FAIL';
            stdio.out(`${mark}  ${c.check}: ${c.detail}${c.fix ? `\n      → ${c.fix}` : ''}`);
          }
          const bad = checks.filter((c) => c.status === 'fail').length;
          stdio.out(bad === 0 ? 'all good' : `${bad} problem(s) to fix`);
        }
        return checks.some((c) => c.status === 'fail') ? 1 : 0;
      }),
  );
}
