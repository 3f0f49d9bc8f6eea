import type { Command } from 'commander';
import { openContext } from '../../context.js';
import { broadcast, type RunSummary, type TargetResult } from '../../delivery/broadcast.js';
import { readText } from '../../delivery/text-input.js';
import { sanitize } from '../../domain/sanitize.js';
import { runVerb, stdio, textTable, usageError, withGlobals, type CommonOptions } from '../common.js';

export interface DeliveryVerbOptions extends CommonOptions {
  text?: string;
  file?: string;
  dryRun?: boolean;
  idempotencyKey?: string;
  /** commander's --no-wake */
  wake?: boolean;
  concurrency?: string;
  timeout?: string;
}

/** Adds the options send and broadcast share. */
export function withDeliveryOptions(cmd: Command): Command {
  return withGlobals(
    cmd
      .option('--text <text>', 'the text to send')
      .option('--file <file>', 'read the text from this file (else --text, else stdin)')
      .option('--dry-run', 'list the resolved targets and what would happen; send nothing')
      .option('--idempotency-key <key>', 'the same key never creates a second run: rerunning finishes or reports the first')
      .option('--no-wake', 'skip targets that are not live instead of waking them')
      .option('--timeout <ms>', 'how long to wait for each delivery to be verified (default 8000)'),
  );
}

function positiveInt(v: string | undefined, flag: string): number | undefined {
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!Number.isInteger(n) || n <= 0) throw usageError(`${flag}: expected a positive whole number, got ${JSON.stringify(v)}`);
  return n;
}

const line = (r: TargetResult): string[] => [
  r.name,
  r.state,
  r.reason ? sanitize(r.reason, { singleLine: true, max: 300 }) : r.evidence ? `verified by ${r.evidence}` : '',
];

export function formatSummary(s: RunSummary): string {
  if (s.dryRun) {
    return [
      `dry run: ${s.targets.length} target${s.targets.length === 1 ? '' : 's'}, nothing sent`,
      textTable(['NAME', 'STATE', 'WOULD', 'WHY'], s.targets.map((t) => [t.name, t.state, t.action === 'wake' ? 'wake+deliver' : t.action, t.reason ?? ''])),
    ].join('\n');
  }
  const counts = Object.entries(s.counts).map(([k, n]) => `${n} ${k}`).join(', ') || 'no targets';
  const head = `run ${s.runId}${s.resumed ? ' (resumed)' : s.created ? '' : ' (existing run for this idempotency key)'}: ${counts}`;
  return [head, textTable(['NAME', 'RESULT', 'DETAIL'], s.results.map(line))].join('\n');
}

/** Without the text (up to 256 KB) — the ledger has it. */
export function summaryJson(s: RunSummary): string {
  const { text: _text, ...rest } = s;
  return JSON.stringify({ ...rest, bytes: Buffer.byteLength(s.text) }, null, 2);
}

export async function runDelivery(kind: 'send' | 'broadcast', selectors: string[], o: DeliveryVerbOptions): Promise<number> {
  const ctx = openContext(o);
  const concurrency = positiveInt(o.concurrency, '--concurrency');
  const timeout = positiveInt(o.timeout, '--timeout');
  const text = await readText({ text: o.text, file: o.file }, ctx.roster.defaults.maxTextBytes);
  const s = await broadcast(ctx, {
    kind,
    selector: selectors,
    text,
    idempotencyKey: o.idempotencyKey,
    noWake: o.wake === false,
    dryRun: o.dryRun,
    concurrency,
    ...(timeout ? { deliver: { verifyTimeoutMs: timeout } } : {}),
  });
  stdio.out(o.json ? summaryJson(s) : formatSummary(s));
  if (!s.ok) stdio.err(`fleet: ${s.counts.failed ?? 0} of ${s.results.length} deliveries failed (fleet runs show ${s.runId}; retry with fleet runs resume ${s.runId})`);
  return s.ok ? 0 : 1;
}

export function register(program: Command): void {
  withDeliveryOptions(
    program
      .command('broadcast')
      .argument('<selector...>', 'names, globs (coder*), class:x, tag:x, state:idle, runtime:codex, @marked, all')
      .description('send the same text to many agents: verified, durable (fleet runs), woken if asleep')
      .option('--concurrency <n>', 'targets delivered at once (default 24)'),
  ).action(async (selectors: string[], o: DeliveryVerbOptions) => runVerb(o.json, () => runDelivery('broadcast', selectors, o)));
}
