import type { Command } from 'commander';
import { openContext } from '../../context.js';
import { sanitize } from '../../domain/sanitize.js';
import { createSupervisor, type SuperviseReport } from '../../lifecycle/index.js';
import { runVerb, stdio, usageError, withGlobals, type CommonOptions } from '../common.js';

interface SuperviseOpts extends CommonOptions {
  once?: boolean;
  interval?: string;
}

export function formatReport(r: SuperviseReport): string[] {
  const t = new Date(r.at).toISOString();
  if (!r.supervisor) return [`${t} viewer: supervised by pid ${r.holder?.pid ?? '?'} (${r.holder?.what ?? '?'})`];
  if (r.error) return [`${t} tmux unreadable: ${sanitize(r.error, { singleLine: true })}`];
  return r.actions.map(
    (a) => `${t} ${a.name}: ${a.action} ${a.result} — ${a.reason}${a.error ? ` (${sanitize(a.error, { singleLine: true, max: 300 })})` : ''}`,
  );
}

export function register(program: Command): void {
  withGlobals(
    program
      .command('supervise')
      .description('run the supervisor headless: reap idle agents fleet woke, forget gone sessions, relaunch /new-marked ones')
      .option('--once', 'one pass, then exit')
      .option('--interval <secs>', 'seconds between passes', '10'),
  ).action(async (o: SuperviseOpts) =>
    runVerb(o.json, async () => {
      const interval = Number(o.interval);
      if (!Number.isFinite(interval) || interval <= 0) throw usageError(`fleet supervise: --interval must be a positive number of seconds, got ${JSON.stringify(o.interval)}`);
      const ctx = openContext(o);
      const sup = createSupervisor(ctx, { what: `fleet supervise (pid ${process.pid})` });
      const print = (r: SuperviseReport): void => {
        if (o.json) stdio.out(JSON.stringify(r));
        else for (const l of formatReport(r)) stdio.out(l);
      };
      if (o.once) {
        const r = await sup.tick();
        sup.release();
        print(r);
        return r.supervisor && !r.error ? 0 : 1;
      }
      let stopping = false;
      let wake: (() => void) | null = null;
      const onSignal = (): void => {
        stopping = true;
        wake?.();
      };
      process.once('SIGINT', onSignal);
      process.once('SIGTERM', onSignal);
      let wasSupervisor: boolean | null = null;
      try {
        while (!stopping) {
          const r = await sup.tick();
          // Say when the role changes; actions always.
          if (r.supervisor !== wasSupervisor || r.actions.length > 0 || r.error) {
            if (r.supervisor && wasSupervisor !== true && !o.json) stdio.out(`${new Date(r.at).toISOString()} supervising (pid ${process.pid})`);
            if (!r.supervisor || r.actions.length > 0 || r.error || o.json) print(r);
          }
          wasSupervisor = r.supervisor;
          await new Promise<void>((res) => {
            const t = setTimeout(res, interval * 1000);
            wake = () => {
              clearTimeout(t);
              res();
            };
          });
        }
      } finally {
        sup.release();
      }
      return 0;
    }),
  );
}
