import path from 'node:path';
import os from 'node:os';
import { LineCounter, parseDocument, isMap, isSeq, isScalar, isPair, visit, type Document, type Node as YamlNode } from 'yaml';
import { z } from 'zod';
import { didYouMean, type Problem } from './errors.js';
import { agentNameProblem, socketNameProblem } from './names.js';
import { RUNTIMES, type AgentSpec, type Defaults, type Roster } from './types.js';
import { parseSimpleYaml } from './yaml-fast.js';

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
  /** Internal, for tests: `false` skips the YAML fast path (parseSimpleYaml) and always uses `yaml`. */
  fast?: boolean;
  /**
   * Agent entries (`agentKey` of the parsed data) this same code already found valid against the schema,
   * from the last parse (src/state/roster-file.ts). On the fast path an entry found here skips the schema
   * — ≈ 10–15 ms for 500 agents on a fresh process — and only the entries that changed are checked. Every
   * other check (names, duplicates, cwds) still runs on every entry. A roster with any problem is always
   * checked whole, so messages never depend on this.
   */
  knownAgents?: ReadonlySet<string>;
  /** Return `agentKeys` with a valid roster: the keys to remember as known for the next parse. */
  collectAgentKeys?: boolean;
}

/**
 * The identity of one agent entry as parsed. The schema has no defaults or transforms, so a valid entry's
 * schema output equals the entry; a valid entry never holds null, so the non-finite numbers JSON writes as
 * null never make an invalid entry look like a known one.
 */
export const agentKey = (a: unknown): string => JSON.stringify(a);

export type RosterParseResult = { ok: true; roster: Roster; agentKeys?: string[] } | { ok: false; problems: Problem[] };

/** A roster larger than this is refused before it is parsed (a roster of 500 agents is ~100 KiB). */
export const MAX_ROSTER_BYTES = 1024 * 1024;
/** YAML aliases resolved at most this many times ("billion laughs" guard). */
export const MAX_ALIAS_COUNT = 100;

type Raw = Record<string, unknown>;
const isObj = (v: unknown): v is Raw => v !== null && typeof v === 'object' && !Array.isArray(v);

/**
 * Parses and validates roster text. Every problem names file, line:column and field, and ALL problems
 * are reported at once: type/unknown-key problems from the schema, then names, duplicates, cwds and the
 * socket of every entry whose fields have the right type.
 */
export function parseRoster(text: string, opts: RosterParseOptions): RosterParseResult {
  const file = opts.file;
  if (Buffer.byteLength(text, 'utf8') > MAX_ROSTER_BYTES) {
    return { ok: false, problems: [{ file, message: `the roster is ${Buffer.byteLength(text, 'utf8')} bytes; the limit is ${MAX_ROSTER_BYTES}`, hint: 'a roster this large is almost certainly not a roster' }] };
  }
  // Fast path (the `fleet top` first-frame budget: a cold `yaml` parse of 500 agents costs 150–250 ms):
  // the simple YAML rosters are written in, read without a Document. Only a roster with no problem at all
  // is taken from it; anything else is parsed again below so every problem gets its line:column.
  if (opts.fast !== false) {
    const data = parseSimpleYaml(text);
    if (data !== undefined) {
      const r = fromData(data, opts, undefined);
      if (r.ok) return r;
    }
  }
  const lc = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lc, uniqueKeys: true, prettyErrors: false });
  const problems: Problem[] = [];
  const at = (offset: number | undefined): { line?: number; col?: number } => position(lc, offset);
  for (const err of doc.errors) {
    const first = err.message.split('\n')[0] ?? err.message;
    const dup = err.code === 'DUPLICATE_KEY';
    problems.push({
      file, ...at(err.pos[0]),
      message: `YAML: ${first.replace(/ at line \d+, column \d+:?$/, '')}`,
      ...(dup ? { hint: 'a key may appear only once in a mapping; the second one would silently win' } : {}),
    });
  }
  if (problems.length > 0) return { ok: false, problems };

  let data: unknown;
  try {
    data = doc.toJS({ maxAliasCount: MAX_ALIAS_COUNT });
  } catch (e) {
    let first: number | undefined;
    visit(doc, { Alias: (_k, node) => { first = node.range?.[0]; return visit.BREAK; } });
    return { ok: false, problems: [{ file, ...at(first), message: `YAML: ${(e as Error).message}`, hint: 'aliases are limited so a "billion laughs" file cannot exhaust memory' }] };
  }
  return fromData(data, opts, { doc, lc });
}

function position(lc: LineCounter | undefined, offset: number | undefined): { line?: number; col?: number } {
  if (offset === undefined || lc === undefined) return {};
  const p = lc.linePos(offset);
  return { line: p.line, col: p.col };
}

/**
 * Schema and semantic checks of the parsed data, then the Roster. `src` (the Document and its line
 * counter) gives problems their positions; without it (the fast path) problems have none.
 */
function fromData(data: unknown, opts: RosterParseOptions, src: { doc: Document; lc: LineCounter } | undefined): RosterParseResult {
  const file = opts.file;
  const doc = src?.doc;
  const problems: Problem[] = [];
  const at = (offset: number | undefined): { line?: number; col?: number } => position(src?.lc, offset);
  if (data === null || data === undefined) {
    return { ok: false, problems: [{ file, line: 1, col: 1, message: 'the roster is empty', hint: 'run `fleet init` for a commented example' }] };
  }
  // `agents:` with nothing under it means "no agents yet".
  if (isObj(data) && data.agents === null) data = { ...data, agents: [] };

  const keys = (opts.knownAgents || opts.collectAgentKeys) && isObj(data) && Array.isArray(data.agents) ? (data.agents as unknown[]).map(agentKey) : undefined;
  const parsed = src === undefined && opts.knownAgents && keys ? parseKnowingAgents(data as Raw, keys, opts.knownAgents) : RosterSchema.safeParse(data);
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
      const value = valueAt(data, p);
      const hint = typeHint(issue, value, p);
      problems.push({ file, ...at(loc), field: fieldName(p) || '(top level)', message: issueMessage(issue, p, value), ...(hint ? { hint } : {}) });
    }
  }

  // Semantic checks on the raw data, so a type error in one entry never hides a bad name in another.
  const raw: Raw = isObj(data) ? data : {};
  const home = opts.home ?? os.homedir();
  const base = path.dirname(file);
  const expand = (p: string): string => {
    const e = p === '~' ? home : p.startsWith('~/') ? path.join(home, p.slice(2)) : p;
    return path.resolve(base, e);
  };
  const rawTmux = isObj(raw.tmux) ? raw.tmux : {};
  if (typeof rawTmux.socket === 'string') {
    const sp = socketNameProblem(rawTmux.socket);
    if (sp) problems.push({ file, ...at(locate(doc, ['tmux', 'socket'], false)), field: 'tmux.socket', message: `${JSON.stringify(rawTmux.socket)} ${sp}`, hint: 'use a plain name such as "fleet"' });
  }
  const rawDefaults = isObj(raw.defaults) ? raw.defaults : {};
  const defaultCwd = typeof rawDefaults.cwd === 'string' ? expand(rawDefaults.cwd) : undefined;
  let defaultCwdReported = false;
  const seen = new Map<string, number>();
  const rawAgents = Array.isArray(raw.agents) ? (raw.agents as unknown[]) : [];
  rawAgents.forEach((a, i) => {
    if (!isObj(a)) return; // the schema already said "expected object"
    const name = a.name;
    if (typeof name === 'string') {
      const np = agentNameProblem(name);
      if (np) {
        problems.push({ file, ...at(locate(doc, ['agents', i, 'name'], false)), field: `agents[${i}].name`, message: `${JSON.stringify(name)} ${np}`, hint: 'names match ^[a-z][a-z0-9-]{0,31}$ and are never fixed up silently' });
      } else if (seen.has(name)) {
        const first = seen.get(name)!;
        const firstAt = at(locate(doc, ['agents', first, 'name'], false));
        problems.push({ file, ...at(locate(doc, ['agents', i, 'name'], false)), field: `agents[${i}].name`, message: `duplicate agent name "${name}"`, hint: `first defined at agents[${first}]${firstAt.line !== undefined ? ` (line ${firstAt.line})` : ''}` });
      } else {
        seen.set(name, i);
      }
    }
    const label = typeof name === 'string' ? `agent "${name}"` : `agents[${i}]`;
    if (a.cwd === undefined && rawDefaults.cwd === undefined) {
      problems.push({ file, ...at(locate(doc, ['agents', i], false)), field: `agents[${i}].cwd`, message: `${label} has no cwd`, hint: 'set agents[].cwd or defaults.cwd' });
    } else if (typeof a.cwd === 'string') {
      const cwd = expand(a.cwd);
      if (!opts.isDirectory(cwd)) {
        problems.push({ file, ...at(locate(doc, ['agents', i, 'cwd'], false)), field: `agents[${i}].cwd`, message: `directory ${cwd} does not exist`, hint: `create it (mkdir -p ${cwd}) or fix the path` });
      }
    } else if (a.cwd === undefined && defaultCwd !== undefined && !defaultCwdReported && !opts.isDirectory(defaultCwd)) {
      defaultCwdReported = true;
      problems.push({ file, ...at(locate(doc, ['defaults', 'cwd'], false)), field: 'defaults.cwd', message: `directory ${defaultCwd} does not exist (used by ${label})`, hint: `create it (mkdir -p ${defaultCwd}) or fix the path` });
    }
  });
  if (problems.length > 0 || !parsed.success) {
    problems.sort((x, y) => (x.line ?? 0) - (y.line ?? 0) || (x.col ?? 0) - (y.col ?? 0));
    return { ok: false, problems };
  }

  const r = parsed.data;
  const socket = r.tmux?.socket ?? DEFAULT_SOCKET;
  const d = r.defaults ?? {};
  const defaults: Defaults = {
    runtime: d.runtime ?? DEFAULTS.runtime,
    cwd: defaultCwd,
    busyWindowSecs: d.busyWindowSecs ?? DEFAULTS.busyWindowSecs,
    idleSecs: d.idleSecs ?? DEFAULTS.idleSecs,
    bootDeadlineSecs: d.bootDeadlineSecs ?? DEFAULTS.bootDeadlineSecs,
    attachGraceSecs: d.attachGraceSecs ?? DEFAULTS.attachGraceSecs,
    maxTextBytes: d.maxTextBytes ?? DEFAULTS.maxTextBytes,
  };
  const agents: AgentSpec[] = (r.agents ?? []).map((a) => {
    const env: Record<string, string> = {};
    for (const [k, v] of Object.entries(a.env ?? {})) env[k] = v.startsWith('~/') || v === '~' ? expand(v) : v;
    return {
      name: a.name,
      runtime: a.runtime ?? defaults.runtime,
      cwd: a.cwd !== undefined ? expand(a.cwd) : (defaultCwd ?? ''),
      class: a.class,
      tags: a.tags ?? [],
      command: a.command,
      reset: a.reset,
      kickstart: a.kickstart,
      env,
      managed: a.managed ?? 'fleet',
      transcripts: a.transcripts !== undefined ? expand(a.transcripts) : undefined,
      idleSecs: a.idleSecs,
    };
  });
  return { ok: true, roster: { version: 1, path: file, socket, defaults, agents }, ...(opts.collectAgentKeys && keys ? { agentKeys: keys } : {}) };
}

/**
 * The schema, skipped for agent entries in `known`: the rest of the document and the changed entries are
 * checked, and a known entry stands for its own schema output. Any failure checks everything, as without it.
 */
function parseKnowingAgents(data: Raw, keys: readonly string[], known: ReadonlySet<string>): ReturnType<typeof RosterSchema.safeParse> {
  const all = data.agents as unknown[];
  const fresh = keys.map((k) => !known.has(k));
  const parsed = RosterSchema.safeParse({ ...data, agents: all.filter((_, i) => fresh[i]) });
  if (!parsed.success) return RosterSchema.safeParse(data);
  const checked = parsed.data.agents ?? [];
  let k = 0;
  return { ...parsed, data: { ...parsed.data, agents: all.map((a, i) => (fresh[i] ? checked[k++]! : (a as (typeof checked)[number]))) } };
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

function issueMessage(issue: z.core.$ZodIssue, p: readonly (string | number)[], value: unknown): string {
  if (issue.code === 'invalid_type') {
    const got = describe(value);
    if (value === undefined) return `is required (expected ${expectedName(issue.expected)})`;
    return `expected ${expectedName(issue.expected)}, got ${got}`;
  }
  if (issue.code === 'invalid_value' && p.length === 1 && p[0] === 'version') return value === undefined ? 'is required: the first line should be `version: 1`' : `must be 1, got ${describe(value)}`;
  if (issue.code === 'invalid_value') return `must be one of ${issue.values.map((v) => JSON.stringify(v)).join(', ')}, got ${describe(value)}`;
  if (issue.code === 'too_small' && typeof value === 'string') return 'must not be empty';
  if (issue.code === 'too_small') return `must be ${issue.inclusive === false ? 'greater than' : 'at least'} ${String(issue.minimum)}, got ${describe(value)}`;
  if (issue.code === 'invalid_format' || issue.code === 'invalid_key') return `${issue.message}`;
  return issue.message;
}

function expectedName(e: string): string {
  return e === 'object' || e === 'record' ? 'a mapping' : e === 'array' ? 'a list' : e;
}

function typeHint(issue: z.core.$ZodIssue, value: unknown, p: readonly (string | number)[]): string | undefined {
  if (issue.code === 'invalid_type' && issue.expected === 'string' && typeof value === 'number') {
    return 'YAML read this as a number: 0800 becomes 800, 1.10 becomes 1.1; quote it to keep it as text, e.g. "0800"';
  }
  if (issue.code === 'invalid_type' && issue.expected === 'string' && typeof value === 'boolean') {
    return 'YAML read this as true/false; quote it to keep it as text';
  }
  if (issue.code === 'invalid_type' && value === null) {
    return 'YAML reads an empty value or a bare ~ as null; fill it in, or quote it ("~" for the home directory)';
  }
  if (issue.code === 'invalid_type' && issue.expected === 'array' && p[p.length - 1] === 'tags') return 'write tags as a list: tags: [api, web]';
  if (issue.code === 'invalid_value' && p[p.length - 1] === 'runtime' && typeof value === 'string') {
    const m = didYouMean(value, RUNTIMES);
    return m ? `did you mean "${m}"?` : undefined;
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
function locate(doc: Document | undefined, p: readonly (string | number)[], key: boolean): number | undefined {
  if (doc === undefined) return undefined;
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
