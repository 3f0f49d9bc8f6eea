import fs from 'node:fs';
import path from 'node:path';
import type { Command } from 'commander';
import { openContext } from '../../context.js';
import { AUTO_RESUME_MAX_AGE_MS, interruptedRuns, recoverRuns, resultFromRow } from '../../delivery/broadcast.js';
import { Ledger, type DeliveryRow, type EventRow, type RunRow } from '../../delivery/ledger.js';
import { sanitize } from '../../domain/sanitize.js';
import { resolveStateDir, type GlobalOptions } from '../../state/paths.js';
import { runVerb, stdio, textTable, usageError, withGlobals, type CommonOptions } from '../common.js';
import { formatSummary, summaryJson } from './broadcast.js';

const iso = (ms: number | null): string | null => (ms === null ? null : new Date(ms).toISOString());
const clip = (s: string, n: number): string => sanitize(s, { singleLine: true, max: n });

function runJson(r: RunRow): Record<string, unknown> {
  return {
    id: r.id,
    kind: r.kind,
    selector: r.selector,
    idempotencyKey: r.idempotencyKey,
    state: r.state,
    noWake: r.noWake,
    targets: r.targets,
    createdAt: iso(r.createdAt),
    finishedAt: iso(r.finishedAt),
    ownerPid: r.ownerPid,
    bytes: Buffer.byteLength(r.text),
    text: r.text,
  };
}

function deliveryJson(d: DeliveryRow): Record<string, unknown> {
  return {
    agent: d.agent,
    state: d.state,
    attempts: d.attempts,
    enters: d.enters,
    evidence: d.evidence,
    error: d.error,
    createdAt: iso(d.createdAt),
    startedAt: iso(d.startedAt),
    updatedAt: iso(d.updatedAt),
    finishedAt: iso(d.finishedAt),
  };
}

const eventJson = (e: EventRow): Record<string, unknown> => ({ seq: e.seq, at: iso(e.at), type: e.type, agent: e.agent, data: e.data });

function ledgerFor(o: GlobalOptions): Ledger | null {
  const file = path.join(resolveStateDir(o), 'ledger.sqlite');
  if (!fs.existsSync(file)) return null;
  return Ledger.open(file, { readonly: true });
}

function parseId(v: string): number {
  const n = Number(v);
  if (!Number.isInteger(n) || n <= 0) throw usageError(`run id: expected a positive whole number, got ${JSON.stringify(v)} (fleet runs lists them)`);
  return n;
}

interface ListOpts extends CommonOptions {
  limit?: string;
}

function list(o: ListOpts): number {
  const limit = o.limit === undefined ? 50 : parseId(o.limit);
  const l = ledgerFor(o);
  const runs = l ? l.listRuns(limit) : [];
  const counts = new Map(runs.map((r) => [r.id, l!.deliveries(r.id)]));
  l?.close();
  if (o.json) {
    stdio.out(JSON.stringify(runs.map((r) => ({ ...runJson(r), text: undefined, counts: tally(counts.get(r.id) ?? []) })), null, 2));
    return 0;
  }
  if (!runs.length) {
    stdio.out('no runs yet (fleet send / fleet broadcast create them)');
    return 0;
  }
  stdio.out(
    textTable(
      ['ID', 'KIND', 'STATE', 'CREATED', 'TARGETS', 'RESULTS', 'SELECTOR', 'TEXT'],
      runs.map((r) => [
        String(r.id),
        r.kind,
        r.state === 'open' ? (r.ownerPid ? 'running' : 'interrupted') : 'finished',
        new Date(r.createdAt).toISOString().replace('T', ' ').slice(0, 19),
        String(r.targets),
        Object.entries(tally(counts.get(r.id) ?? [])).map(([k, n]) => `${n} ${k}`).join(', '),
        clip(r.selector.join(' '), 30),
        clip(r.text, 40),
      ]),
    ),
  );
  return 0;
}

function tally(ds: readonly DeliveryRow[]): Record<string, number> {
  const c: Record<string, number> = {};
  for (const d of ds) c[d.state] = (c[d.state] ?? 0) + 1;
  return c;
}

function show(idArg: string, o: CommonOptions): number {
  const id = parseId(idArg);
  const l = ledgerFor(o);
  const run = l?.getRun(id) ?? null;
  if (!l || !run) {
    l?.close();
    throw usageError(`no run ${id} in the ledger (fleet runs lists them)`);
  }
  const ds = l.deliveries(id);
  const ev = l.events(id);
  l.close();
  if (o.json) {
    stdio.out(JSON.stringify({ ...runJson(run), deliveries: ds.map(deliveryJson), events: ev.map(eventJson) }, null, 2));
    return 0;
  }
  const out = [
    `run ${run.id} (${run.kind}) ${run.state}${run.idempotencyKey ? `  key ${clip(run.idempotencyKey, 60)}` : ''}`,
    `selector: ${clip(run.selector.join(' '), 200)}${run.noWake ? '  (--no-wake)' : ''}`,
    `created:  ${iso(run.createdAt)}${run.finishedAt ? `   finished: ${iso(run.finishedAt)}` : ''}`,
    `text:     ${clip(run.text, 200)} (${Buffer.byteLength(run.text)} bytes)`,
    '',
    textTable(['AGENT', 'STATE', 'ATTEMPTS', 'DETAIL'], ds.map((d) => {
      const r = resultFromRow(d);
      return [d.agent, d.state, String(d.attempts), d.error ? clip(d.error, 200) : r.evidence ? `verified by ${r.evidence}` : ''];
    })),
    '',
    'events:',
    ...ev.map((e) => `  ${String(e.seq).padStart(3)}  ${iso(e.at)}  ${e.type}${e.agent ? ` ${e.agent}` : ''}${e.data ? ` ${clip(JSON.stringify(e.data), 200)}` : ''}`),
  ];
  stdio.out(out.join('\n'));
  return 0;
}

async function resume(idArg: string | undefined, o: CommonOptions): Promise<number> {
  const id = idArg === undefined ? undefined : parseId(idArg);
  const ctx = openContext(o);
  const done = await recoverRuns(ctx, { retryRun: id });
  if (o.json) {
    stdio.out(`[${done.map(summaryJson).join(',\n')}]`);
  } else if (!done.length) {
    stdio.out(id === undefined ? 'no interrupted runs' : `run ${id}: nothing to retry`);
  } else {
    stdio.out(done.map(formatSummary).join('\n\n'));
  }
  return done.every((s) => s.ok) ? 0 : 1;
}

export function register(program: Command): void {
  const runs = withGlobals(program.command('runs').description('the delivery ledger: list runs, show one, resume interrupted ones'))
    .option('--limit <n>', 'how many runs to list (newest first; default 50)')
    .action(async (o: ListOpts) => runVerb(o.json, async () => list(o)));
  // The parent `runs` takes the same global options and commander lets it consume them anywhere on the
  // line, so subcommands read optsWithGlobals().
  withGlobals(runs.command('show').argument('<id>', 'run id').description('a run with its deliveries and events')).action(
    async (id: string, _o: CommonOptions, cmd: Command) => {
      const o = cmd.optsWithGlobals<CommonOptions>();
      return runVerb(o.json, async () => show(id, o));
    },
  );
  withGlobals(
    runs
      .command('resume')
      .argument('[id]', 'also retry this run\'s failed and deferred deliveries')
      .description('finish runs whose process died (every fleet verb also does this on start); with an id, retry its failures'),
  ).action(async (id: string | undefined, _o: CommonOptions, cmd: Command) => {
    const o = cmd.optsWithGlobals<CommonOptions>();
    return runVerb(o.json, async () => resume(id, o));
  });
}

/** Verbs that do not finish interrupted runs on start: they only inspect, or manage their own state. */
const NO_RECOVERY = new Set(['runs', 'init', 'doctor', 'demo', 'top', 'help']);

/**
 * "The next fleet process finishes the run": before any other verb runs, finish runs whose process
 * died. Cheap when there is nothing to do (no ledger file: a stat; else one query). Errors never
 * stop the verb: they are reported on stderr. FLEET_NO_RECOVER=1 turns it off.
 */
export function installRecoveryHook(program: Command): void {
  program.hook('preAction', async (_root, action) => {
    if (process.env.FLEET_NO_RECOVER === '1') return;
    let verb: Command = action;
    while (verb.parent && verb.parent !== program) verb = verb.parent;
    if (NO_RECOVERY.has(verb.name())) return;
    const o = action.optsWithGlobals<GlobalOptions>();
    try {
      const file = path.join(resolveStateDir(o), 'ledger.sqlite');
      if (!fs.existsSync(file)) return;
      const left = interruptedRuns(file);
      if (!left.length) return;
      const old = left.filter((r) => Date.now() - r.createdAt > AUTO_RESUME_MAX_AGE_MS);
      if (old.length) {
        const ids = old.map((r) => r.id).join(', ');
        stdio.err(
          `fleet: ${old.length > 1 ? `runs ${ids} were` : `run ${ids} was`} interrupted over ${AUTO_RESUME_MAX_AGE_MS / 3600_000} h ago and left as it stands: fleet runs show <id>; fleet runs resume finishes it`,
        );
      }
      if (old.length === left.length) return;
      const ctx = openContext(o);
      const done = await recoverRuns(ctx, { maxAgeMs: AUTO_RESUME_MAX_AGE_MS });
      for (const s of done) {
        stdio.err(`fleet: finished interrupted run ${s.runId}: ${Object.entries(s.counts).map(([k, n]) => `${n} ${k}`).join(', ')}`);
      }
    } catch (e) {
      stdio.err(`fleet: could not finish interrupted runs: ${sanitize(e instanceof Error ? e.message : String(e), { singleLine: true, max: 400 })}`);
    }
  });
}
