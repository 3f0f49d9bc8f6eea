import type { Command } from 'commander';
import { openContext } from '../../context.js';
import { OperationError } from '../../domain/errors.js';
import type { AgentRow } from '../../domain/types.js';
import { rowsFromObservation } from '../../watch/snapshot.js';
import { runVerb, stdio, textTable, toJson, withGlobals, type CommonOptions } from '../common.js';
import { sanitize } from '../../domain/sanitize.js';

export function ago(iso: string | null, now = Date.now()): string {
  if (!iso) return '-';
  const s = Math.max(0, Math.round((now - Date.parse(iso)) / 1000));
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m`;
  if (s < 86400) return `${Math.floor(s / 3600)}h`;
  return `${Math.floor(s / 86400)}d`;
}

export function formatLs(rows: readonly AgentRow[], now = Date.now()): string {
  if (rows.length === 0) return 'no agents (add some to the roster: fleet init writes an example)';
  return textTable(
    ['NAME', 'RUNTIME', 'STATE', 'SINCE', 'ACTIVITY', 'CLASS', 'TAGS', 'CWD'],
    rows.map((r) => [
      r.name,
      r.runtime ?? '-',
      r.state,
      ago(r.stateSince, now),
      ago(r.lastActivityAt, now),
      r.class ?? '-',
      r.tags.join(',') || '-',
      r.cwd ?? '-',
    ].map((cell) => sanitize(cell, { singleLine: true }))),
  );
}

export function register(program: Command): void {
  withGlobals(program.command('ls').description('list every agent with its state')).action(async (o: CommonOptions) =>
    runVerb(o.json, async () => {
      const ctx = openContext(o);
      const now = Date.now();
      // ONE observation of the server. No server is normal (everything asleep); tmux missing, hung or
      // failing is not: saying "asleep" then would be a lie, so ls fails and says why.
      const tmux = await ctx.tmux.observe(now);
      if (tmux.server === 'down' && tmux.reason !== 'no server') {
        throw new OperationError(`cannot read the tmux server on socket ${ctx.socket}: ${tmux.reason}`);
      }
      // transcripts of every agent, then one chained screen capture for those that may be waiting
      const rows = await rowsFromObservation(ctx, tmux, now);
      stdio.out(o.json ? toJson(rows) : formatLs(rows, now));
      return 0;
    }),
  );
}
