import path from 'node:path';
import os from 'node:os';
import { LineCounter, parseDocument, isMap, isSeq, isScalar, isPair, type Document, type Node as YamlNode } from 'yaml';
import { z } from 'zod';
import { didYouMean, type Problem } from './errors.js';
import { agentNameProblem, socketNameProblem } from './names.js';
import { RUNTIMES, type AgentSpec, type Defaults, type Roster } from './types.js';

export const DEFAULT_SOCKET = 'fleet';

export const DEFAULTS: Omit<Defaults, 'cwd'> = {
  runtime: 'claude',
  busyWindowSecs: 8,
  idleSecs: 1800,
  bootDeadlineSecs: 60,
  attachGraceSecs: 600,
  maxTextBytes: 256 * 1024,
};

const posNum = z.number().positive().finite();
const str = z.string();

const DefaultsSchema = z.strictObject({
  runtime: z.enum(RUNTIMES).optional(),
  cwd: str.optional(),
  busyWindowSecs: posNum.optional(),
  idleSecs: posNum.optional(),
  bootDeadlineSecs: posNum.optional(),
  attachGraceSecs: z.number().nonnegative().finite().optional(),
  maxTextBytes: z.number().int().positive().optional(),
});

const AgentSchema = z.strictObject({
  name: str,
  runtime: z.enum(RUNTIMES).optional(),
  cwd: str.optional(),
  class: str.optional(),
  tags: z.array(str).optional(),
  command: str.min(1).optional(),
  reset: str.min(1).optional(),
  kickstart: str.optional(),
  env: z.record(z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'must be a valid environment variable name'), str).optional(),
  managed: z.enum(['fleet', 'external']).optional(),
  transcripts: str.optional(),
  idleSecs: posNum.optional(),
});

const RosterSchema = z.strictObject({
  version: z.literal(1),
  tmux: z.strictObject({ socket: str.optional() }).optional(),
  defaults: DefaultsSchema.optional(),
  agents: z.array(AgentSchema).optional(),
});

const KEYS: Record<string, readonly string[]> = {
  '': Object.keys(RosterSchema.shape),
  tmux: ['socket'],
  defaults: Object.keys(DefaultsSchema.shape),
  agent: Object.keys(AgentSchema.shape),
};

export interface RosterParseOptions {
  /** Absolute path of the file (for messages and to resolve relative cwds). */
  file: string;
  /** Home directory for `~` expansion. */
  home?: string;
  /** Does this directory exist? Injected so the parser stays pure. */
  isDirectory: (p: string) => boolean;
}

export type RosterParseResult = { ok: true; roster: Roster } | { ok: false; problems: Problem[] };

/** Parses and validates roster text. Every problem names file, line:column and field. */
export function parseRoster(text: string, opts: RosterParseOptions): RosterParseResult {
  const file = opts.file;
  const lc = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lc, uniqueKeys: true, prettyErrors: false });
  const problems: Problem[] = [];
  const at = (offset: number | undefined): { line?: number; col?: number } => {
    if (offset === undefined) return {};
    const p = lc.linePos(offset);
    return { line: p.line, col: p.col };
  };
  for (const err of doc.errors) {
    problems.push({ file, ...at(err.pos[0]), message: `YAML: ${err.message.split('\n')[0]}` });
  }
  if (problems.length > 0) return { ok: false, problems };

  let data: unknown;
  try {
    data = doc.toJS({ maxAliasCount: 50 });
  } catch (e) {
    return { ok: false, problems: [{ file, message: `YAML: ${(e as Error).message}`, hint: 'aliases are limited to stop "billion laughs" files' }] };
  }
  if (data === null || data === undefined) {
    return { ok: false, problems: [{ file, line: 1, col: 1, message: 'the roster is empty', hint: 'run `fleet init` for a commented example' }] };
  }
  const parsed = RosterSchema.safeParse(data);
  if (!parsed.success) {
    for (const issue of parsed.error.issues) {
      const p = issue.path.map((x) => (typeof x === 'symbol' ? String(x) : x));
      if (issue.code === 'unrecognized_keys') {
        for (const key of issue.keys) {
          const ctx = p.length === 0 ? '' : p[0] === 'agents' ? 'agent' : String(p[0]);
          const hint = didYouMean(key, KEYS[ctx] ?? []);
          const loc = locate(doc, [...p, key], true);
          problems.push({
            file, ...at(loc), field: fieldName([...p, key]),
            message: `unknown key "${key}"`,
            ...(hint ? { hint: `did you mean "${hint}"?` } : { hint: `allowed: ${(KEYS[ctx] ?? []).join(', ')}` }),
          });
        }
        continue;
      }
      const loc = locate(doc, p, false);
      const hint = typeHint(issue, valueAt(data, p));
      problems.push({ file, ...at(loc), field: fieldName(p) || '(top level)', message: issueMessage(issue, p), ...(hint ? { hint } : {}) });
    }
    return { ok: false, problems };
  }

  const r = parsed.data;
  const home = opts.home ?? os.homedir();
  const base = path.dirname(file);
  const expand = (p: string): string => {
    const e = p === '~' ? home : p.startsWith('~/') ? path.join(home, p.slice(2)) : p;
    return path.resolve(base, e);
  };
  const socket = r.tmux?.socket ?? DEFAULT_SOCKET;
  const sp = socketNameProblem(socket);
  if (sp) problems.push({ file, ...at(locate(doc, ['tmux', 'socket'], false)), field: 'tmux.socket', message: sp });

  const d = r.defaults ?? {};
  const defaults: Defaults = {
    runtime: d.runtime ?? DEFAULTS.runtime,
    cwd: d.cwd !== undefined ? expand(d.cwd) : undefined,
    busyWindowSecs: d.busyWindowSecs ?? DEFAULTS.busyWindowSecs,
    idleSecs: d.idleSecs ?? DEFAULTS.idleSecs,
    bootDeadlineSecs: d.bootDeadlineSecs ?? DEFAULTS.bootDeadlineSecs,
    attachGraceSecs: d.attachGraceSecs ?? DEFAULTS.attachGraceSecs,
    maxTextBytes: d.maxTextBytes ?? DEFAULTS.maxTextBytes,
  };

  const seen = new Map<string, number>();
  const agents: AgentSpec[] = [];
  (r.agents ?? []).forEach((a, i) => {
    const np = agentNameProblem(a.name);
    if (np) {
      problems.push({ file, ...at(locate(doc, ['agents', i, 'name'], false)), field: `agents[${i}].name`, message: `${JSON.stringify(a.name)} ${np}`, hint: 'names match ^[a-z][a-z0-9-]{0,31}$' });
    } else if (seen.has(a.name)) {
      problems.push({ file, ...at(locate(doc, ['agents', i, 'name'], false)), field: `agents[${i}].name`, message: `duplicate agent name "${a.name}"`, hint: `first defined at agents[${seen.get(a.name)}]` });
    } else {
      seen.set(a.name, i);
    }
    const rawCwd = a.cwd;
    let cwd: string | undefined = rawCwd !== undefined ? expand(rawCwd) : defaults.cwd;
    if (cwd === undefined) {
      problems.push({ file, ...at(locate(doc, ['agents', i], false)), field: `agents[${i}].cwd`, message: `agent "${a.name}" has no cwd`, hint: 'set agents[].cwd or defaults.cwd' });
    } else if (!opts.isDirectory(cwd)) {
      const field = rawCwd !== undefined ? `agents[${i}].cwd` : 'defaults.cwd';
      const loc = rawCwd !== undefined ? locate(doc, ['agents', i, 'cwd'], false) : locate(doc, ['defaults', 'cwd'], false);
      problems.push({ file, ...at(loc), field, message: `directory ${cwd} does not exist`, hint: `create it (mkdir -p ${cwd}) or fix the path` });
      cwd = undefined;
    }
    const env: Record<string, string> = {};
    for (const [k, v] of Object.entries(a.env ?? {})) env[k] = v.startsWith('~/') || v === '~' ? expand(v) : v;
    agents.push({
      name: a.name,
      runtime: a.runtime ?? defaults.runtime,
      cwd: cwd ?? '',
      class: a.class,
      tags: a.tags ?? [],
      command: a.command,
      reset: a.reset,
      kickstart: a.kickstart,
      env,
      managed: a.managed ?? 'fleet',
      transcripts: a.transcripts !== undefined ? expand(a.transcripts) : undefined,
      idleSecs: a.idleSecs,
    });
  });
  if (problems.length > 0) return { ok: false, problems };
  return { ok: true, roster: { version: 1, path: file, socket, defaults, agents } };
}

function fieldName(p: readonly (string | number)[]): string {
  let s = '';
  for (const x of p) s += typeof x === 'number' ? `[${x}]` : s ? `.${x}` : x;
  return s;
}

function valueAt(data: unknown, p: readonly (string | number)[]): unknown {
  let cur: unknown = data;
  for (const k of p) {
    if (cur === null || typeof cur !== 'object') return undefined;
    cur = (cur as Record<string | number, unknown>)[k];
  }
  return cur;
}

function issueMessage(issue: z.core.$ZodIssue, p: readonly (string | number)[]): string {
  if (issue.code === 'invalid_type') {
    const got = describe(issue.input);
    if (got === 'nothing') return `is required (expected ${issue.expected})`;
    return `expected ${issue.expected}, got ${got}`;
  }
  if (issue.code === 'invalid_value' && p.length === 1 && p[0] === 'version') return 'must be 1';
  if (issue.code === 'invalid_value') return `must be one of ${issue.values.map((v) => JSON.stringify(v)).join(', ')}, got ${describe(issue.input)}`;
  return issue.message;
}

function typeHint(issue: z.core.$ZodIssue, value: unknown): string | undefined {
  if (issue.code === 'invalid_type' && issue.expected === 'string' && typeof value === 'number') {
    return 'YAML read this as a number; quote it to keep it as text (e.g. "0800", "1.10")';
  }
  if (issue.code === 'invalid_type' && issue.expected === 'string' && typeof value === 'boolean') {
    return 'YAML read this as true/false; quote it';
  }
  return undefined;
}

function describe(v: unknown): string {
  if (v === undefined) return 'nothing';
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'a list';
  if (typeof v === 'object') return 'a mapping';
  if (typeof v === 'string') return `text ${JSON.stringify(v.length > 40 ? v.slice(0, 40) + '…' : v)}`;
  return `${typeof v} ${String(v)}`;
}

/** Source offset of the node at `p` (or of its key when `key`), falling back to the nearest parent. */
function locate(doc: Document, p: readonly (string | number)[], key: boolean): number | undefined {
  let node: unknown = doc.contents;
  let best: number | undefined = (doc.contents as YamlNode | null)?.range?.[0];
  for (let i = 0; i < p.length; i++) {
    const k = p[i];
    if (isMap(node)) {
      const pair = node.items.find((it) => isPair(it) && isScalar(it.key) && it.key.value === k);
      if (!pair) return best;
      const last = i === p.length - 1;
      if (last && key && isScalar(pair.key)) return pair.key.range?.[0] ?? best;
      const v = pair.value as YamlNode | null;
      const off = v?.range?.[0] ?? (isScalar(pair.key) ? pair.key.range?.[0] : undefined);
      if (off !== undefined) best = off;
      node = v;
    } else if (isSeq(node) && typeof k === 'number') {
      const it = node.items[k] as YamlNode | undefined;
      if (!it) return best;
      if (it.range) best = it.range[0];
      node = it;
    } else {
      return best;
    }
  }
  return best;
}
