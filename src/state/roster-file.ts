import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import os from 'node:os';
import { fileURLToPath } from 'node:url';
import { ConfigError } from '../domain/errors.js';
import { MAX_ROSTER_BYTES, parseRoster } from '../domain/roster.js';
import type { Roster } from '../domain/types.js';

export { MAX_ROSTER_BYTES };

function isDirectory(p: string): boolean {
  try {
    return fs.statSync(p).isDirectory();
  } catch {
    return false;
  }
}

/** From the third directory asked about under the same parent on, that parent is listed once instead. */
const LIST_AFTER = 2;

/**
 * `isDirectory` for one roster check: the same answers, fewer system calls. Agents' cwds usually share a
 * parent (~/work/<agent>, a worktrees dir): one listing of it answers for all of them, where 500 stats cost
 * 5–9 ms of every `fleet top` start (docs/BENCH.md). An entry the listing does not type as a plain
 * directory or a file (a symlink, an unknown type), a name it does not hold, and a parent that cannot be
 * listed are stat'ed as before.
 */
export function directoryChecker(): (p: string) => boolean {
  const asked = new Map<string, number>();
  const listed = new Map<string, Map<string, fs.Dirent> | null>();
  return (p) => {
    const parent = path.dirname(p);
    const base = path.basename(p);
    if (parent === p || base === '.' || base === '..') return isDirectory(p);
    let entries = listed.get(parent);
    if (entries === undefined) {
      const n = (asked.get(parent) ?? 0) + 1;
      asked.set(parent, n);
      if (n <= LIST_AFTER) return isDirectory(p);
      try {
        entries = new Map(fs.readdirSync(parent, { withFileTypes: true }).map((d) => [d.name, d]));
      } catch {
        entries = null;
      }
      listed.set(parent, entries);
    }
    if (entries === null) return isDirectory(p);
    // Not listed under that exact name (missing; or a case-insensitive or normalising file system): stat.
    const d = entries.get(base);
    if (d === undefined) return isDirectory(p);
    return d.isDirectory() || (!d.isFile() && isDirectory(p));
  };
}

export interface LoadRosterOptions {
  /**
   * A file (in the state dir) remembering the last valid parse: the same text parses to the same
   * roster, so a hit skips YAML + schema (≈ 100–150 ms for 500 agents on a cold start of the CLI).
   * Only directories are re-checked. The caller vouches for the file's directory (ours, not writable
   * by others); any cache problem means a normal parse.
   */
  cacheFile?: string;
}

/** The parser's identity: the file the running code was loaded from (a bundle chunk is rebuilt on every change). */
function codeStamp(): string {
  try {
    const st = fs.statSync(fileURLToPath(import.meta.url));
    return `${st.mtimeMs}:${st.size}`;
  } catch {
    return 'unknown';
  }
}

const CACHE_VERSION = 2;

interface CacheFile {
  key: string;
  roster: Roster;
  /** The code that wrote it (codeStamp): entries it found valid are known only to the same code. */
  code: string;
  /** agentKey of every agent entry in that roster, as parsed: all valid. */
  agents: string[];
}

function cacheKey(code: string, file: string, text: string): string {
  return createHash('sha256').update(`${CACHE_VERSION}\0${code}\0${file}\0${os.homedir()}\0`).update(text).digest('hex');
}

function readCache(cacheFile: string): Partial<CacheFile> | null {
  try {
    const c: unknown = JSON.parse(fs.readFileSync(cacheFile, 'utf8'));
    return c !== null && typeof c === 'object' && !Array.isArray(c) ? (c as Partial<CacheFile>) : null;
  } catch {
    return null;
  }
}

/** The cached roster for this key, if every directory it names still exists (else: parse, to report it). */
function cachedRoster(c: Partial<CacheFile>, key: string): Roster | null {
  try {
    if (c.key !== key || !c.roster || !Array.isArray(c.roster.agents)) return null;
    const r = c.roster;
    const dirs = new Set(r.agents.map((a) => a.cwd));
    if (r.defaults.cwd !== undefined) dirs.add(r.defaults.cwd);
    const isDir = directoryChecker();
    for (const d of dirs) if (!isDir(d)) return null;
    // JSON drops undefined fields: put them back so the object has the parser's exact shape
    return {
      ...r,
      defaults: { ...r.defaults, cwd: r.defaults.cwd },
      agents: r.agents.map((a) => ({
        ...a,
        class: a.class,
        command: a.command,
        reset: a.reset,
        kickstart: a.kickstart,
        transcripts: a.transcripts,
        idleSecs: a.idleSecs,
      })),
    };
  } catch {
    return null;
  }
}

/** The agent entries the last parse by this same code found valid (none from other code or a damaged file). */
function knownAgents(c: Partial<CacheFile> | null, code: string): Set<string> | undefined {
  if (!c || c.code !== code || !Array.isArray(c.agents) || !c.agents.every((a) => typeof a === 'string')) return undefined;
  return new Set(c.agents);
}

function writeCache(cacheFile: string, c: CacheFile): void {
  const tmp = `${cacheFile}.${process.pid}.tmp`;
  try {
    fs.writeFileSync(tmp, JSON.stringify(c), { mode: 0o600 });
    fs.renameSync(tmp, cacheFile);
  } catch {
    fs.rmSync(tmp, { force: true });
  }
}

/** Reads and validates the roster file. Never writes it. Throws ConfigError (exit 2) with every problem. */
export function loadRoster(file: string, opts: LoadRosterOptions = {}): Roster {
  let st: fs.Stats;
  try {
    st = fs.statSync(file);
  } catch {
    throw new ConfigError(`no roster at ${file}`, [
      { file, message: 'file not found', hint: 'run `fleet init` to write an example, or pass --roster / set FLEET_ROSTER' },
    ]);
  }
  if (!st.isFile()) {
    throw new ConfigError(`invalid roster ${file}:`, [{ file, message: 'is not a regular file', hint: 'point --roster / FLEET_ROSTER at a YAML file' }]);
  }
  if (st.size > MAX_ROSTER_BYTES) {
    // Refused before reading: a huge file is never loaded into memory.
    throw new ConfigError(`invalid roster ${file}:`, [
      { file, message: `the roster is ${st.size} bytes; the limit is ${MAX_ROSTER_BYTES}`, hint: 'a roster this large is almost certainly the wrong file' },
    ]);
  }
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (e) {
    throw new ConfigError(`cannot read roster ${file}: ${(e as Error).message}`);
  }
  if (!opts.cacheFile) {
    const r = parseRoster(text, { file, isDirectory: directoryChecker() });
    if (!r.ok) throw new ConfigError(`invalid roster ${file}:`, r.problems);
    return r.roster;
  }
  const code = codeStamp();
  const key = cacheKey(code, file, text);
  const cache = readCache(opts.cacheFile);
  const hit = cache && cachedRoster(cache, key);
  if (hit) return hit;
  const known = knownAgents(cache, code);
  const r = parseRoster(text, { file, isDirectory: directoryChecker(), collectAgentKeys: true, ...(known ? { knownAgents: known } : {}) });
  if (!r.ok) throw new ConfigError(`invalid roster ${file}:`, r.problems);
  writeCache(opts.cacheFile, { key, roster: r.roster, code, agents: r.agentKeys ?? [] });
  return r.roster;
}
