import fs from 'node:fs';
import path from 'node:path';
import type { AgentSpec, TranscriptObs } from '../domain/types.js';

/**
 * Bounded, never-throwing file helpers shared by the runtime adapters.
 * Hot path: stat only. Content is read only from the tail, never more than TAIL_MAX_BYTES.
 */

/** Directories with more files than this are flagged in `fleet doctor` (scanning still works). */
export const MANY_FILES = 2000;
/** At most this many entries are stat'ed per directory per scan (newest by name order wins past it). */
export const MAX_STATS = 20_000;
/** Tail reads never read more than this. */
export const TAIL_MAX_BYTES = 256 * 1024;

export interface FileStat {
  file: string;
  mtimeMs: number;
  size: number;
}

export interface DirScan {
  /** Matching files, newest first. */
  files: FileStat[];
  /** Number of matching entries seen (before MAX_STATS). */
  count: number;
  problem: string | undefined;
  /** The directory does not exist (not a problem: the agent has not written yet). */
  missing: boolean;
}

function errCode(e: unknown): string {
  return (e as NodeJS.ErrnoException)?.code ?? 'error';
}

export function describeFsError(dir: string, e: unknown): string {
  const code = errCode(e);
  if (code === 'EACCES' || code === 'EPERM') return `transcript directory ${dir} is not readable (${code})`;
  if (code === 'ENOTDIR') return `transcript path ${dir} is not a directory`;
  return `cannot read transcript directory ${dir}: ${(e as Error)?.message ?? code}`;
}

/** Lists the files of `dir` whose names pass `match`, stats them (bounded), newest first. Never throws. */
export async function scanDir(dir: string, match: (name: string) => boolean): Promise<DirScan> {
  let names: fs.Dirent[];
  try {
    names = await fs.promises.readdir(dir, { withFileTypes: true });
  } catch (e) {
    if (errCode(e) === 'ENOENT') return { files: [], count: 0, problem: undefined, missing: true };
    return { files: [], count: 0, problem: describeFsError(dir, e), missing: false };
  }
  let picked = names.filter((d) => !d.isDirectory() && match(d.name)).map((d) => d.name);
  const count = picked.length;
  let problem: string | undefined;
  if (count > MAX_STATS) {
    // Names of most runtimes sort by time (dates, ULIDs); keep the last ones rather than stat everything.
    picked = picked.sort().slice(-MAX_STATS);
  }
  if (count > MANY_FILES) {
    problem = `${dir} holds ${count} transcript files; scans are slower (consider archiving old sessions)`;
  }
  const files = await statAll(picked.map((n) => path.join(dir, n)));
  files.sort((a, b) => b.mtimeMs - a.mtimeMs);
  return { files, count, problem, missing: false };
}

/** Stats files with bounded concurrency; files that vanish or cannot be stat'ed are skipped. */
export async function statAll(files: readonly string[], concurrency = 64): Promise<FileStat[]> {
  const out: FileStat[] = [];
  let i = 0;
  const worker = async (): Promise<void> => {
    while (i < files.length) {
      const f = files[i++]!;
      try {
        const st = await fs.promises.stat(f);
        if (st.isFile()) out.push({ file: f, mtimeMs: st.mtimeMs, size: st.size });
      } catch {
        /* gone or unreadable: skip */
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, files.length) }, worker));
  return out;
}

export interface Tail {
  /** Complete lines (a partial first line, when the read started mid-file, is dropped). */
  lines: string[];
  /** The last line had no newline yet (being written). */
  halfWritten: boolean;
  /** File size at read time (offset just past what was read). */
  size: number;
  error: string | undefined;
}

/** Reads at most `maxBytes` from `fromOffset` (or the last `maxBytes` when more is there). Never throws. */
export async function readTail(file: string, maxBytes = TAIL_MAX_BYTES, fromOffset = 0): Promise<Tail> {
  let fh: fs.promises.FileHandle | undefined;
  try {
    fh = await fs.promises.open(file, 'r');
    const st = await fh.stat();
    const size = st.size;
    let start = Math.max(0, Math.min(fromOffset, size));
    if (size - start > maxBytes) start = size - maxBytes;
    const len = size - start;
    const buf = Buffer.alloc(len);
    let got = 0;
    while (got < len) {
      const { bytesRead } = await fh.read(buf, got, len - got, start + got);
      if (bytesRead === 0) break;
      got += bytesRead;
    }
    let lines = buf.subarray(0, got).toString('utf8').split('\n');
    // Started mid-line (not at the caller's offset nor a line boundary): the first piece is partial.
    if (start > fromOffset && start > 0) lines = lines.slice(1);
    const last = lines.pop() ?? '';
    const halfWritten = last.length > 0;
    return { lines: lines.filter((l) => l.trim().length > 0), halfWritten, size: start + got, error: undefined };
  } catch (e) {
    return { lines: [], halfWritten: false, size: 0, error: `cannot read ${file}: ${(e as Error).message}` };
  } finally {
    await fh?.close().catch(() => undefined);
  }
}

export interface ParsedLines {
  records: Record<string, unknown>[];
  bad: number;
}

/** One JSON-lines record: the object, or null for a broken or non-object line. */
export function jsonRecord(line: string): Record<string, unknown> | null {
  try {
    const v: unknown = JSON.parse(line);
    return v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : null;
  } catch {
    return null;
  }
}

/** JSON-lines parse; non-object or broken lines are counted, never thrown. */
export function parseJsonLines(lines: readonly string[]): ParsedLines {
  const records: Record<string, unknown>[] = [];
  let bad = 0;
  for (const l of lines) {
    const r = jsonRecord(l);
    if (r) records.push(r);
    else bad++;
  }
  return { records, bad };
}

/** A problem string for a tail whose complete lines are mostly not JSON records. */
export function garbageProblem(file: string, p: ParsedLines): string | undefined {
  if (p.bad === 0) return undefined;
  if (p.records.length === 0 || p.bad > p.records.length) {
    return `${file}: ${p.bad} of ${p.bad + p.records.length} recent lines are not JSON records (garbage or another format)`;
  }
  return undefined;
}

/** A missing directory is normal (the agent never ran) unless the roster named it explicitly. */
export function missingProblem(spec: AgentSpec, dir: string): string | undefined {
  return spec.transcripts ? `transcripts: ${dir} (set in the roster for ${spec.name}) does not exist` : undefined;
}

export const EMPTY_OBS: TranscriptObs = {
  lastActivityMs: null,
  sessionFile: null,
  resumeRef: null,
  turnOpen: undefined,
  problem: undefined,
};

export function obs(o: Partial<TranscriptObs>): TranscriptObs {
  return { ...EMPTY_OBS, ...o };
}

export function joinProblems(...ps: (string | undefined)[]): string | undefined {
  const xs = ps.filter((p): p is string => !!p);
  return xs.length ? xs.join('; ') : undefined;
}

/** Quotes one word for the POSIX shell tmux runs the launch command in. */
export function shellQuote(s: string): string {
  if (/^[A-Za-z0-9._\-/=:@%+]+$/.test(s)) return s;
  return `'${s.replace(/'/g, `'\\''`)}'`;
}

/** User-turn text matching used for delivery verification: exact, or equal after normalising newlines/trailing space. */
export function sameText(a: string, b: string): boolean {
  if (a === b) return true;
  const n = (s: string): string => s.replace(/\r\n?/g, '\n').trim();
  return n(a) === n(b);
}
