import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { AgentSpec, TranscriptObs } from '../domain/types.js';
import { realCwd } from './claude-paths.js';
import { describeFsError, garbageProblem, joinProblems, MANY_FILES, MAX_STATS, obs, parseJsonLines, readTail, sameText, shellQuote, statAll, type FileStat, missingProblem } from './files.js';
import { matchesAny, promptLineDraft } from './screen.js';
import type { Env, TranscriptAdapter } from './types.js';

/**
 * Codex CLI. Transcripts: `${CODEX_HOME:-~/.codex}/sessions/YYYY/MM/DD/rollout-<ts>-<uuid>.jsonl`, shared by
 * every project: a file belongs to an agent when its first record (`session_meta`) carries the agent's cwd.
 * Turns: `event_msg` records `task_started` / `task_complete` (or `turn_aborted`), read from a bounded tail.
 * Resume: `codex resume <id>` (or `resume --last`). Reset: Escape, then `/new`.
 */

/** Only this many most recent day folders are scanned (older sessions are not "current"). */
export const CODEX_MAX_DAYS = 31;
const ROLLOUT_RE = /^rollout-.*\.jsonl$/;
const UUID_RE = /([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})\.jsonl$/i;

export function codexHome(env: Env): string {
  return env.CODEX_HOME || path.join(env.HOME || os.homedir(), '.codex');
}

export function codexSessionsDir(spec: AgentSpec, env: Env): string {
  return spec.transcripts ?? path.join(codexHome(env), 'sessions');
}

/** cwd recorded by a rollout's session_meta (cached: a rollout's head never changes). */
const headCache = new Map<string, string | null>();
const HEAD_CACHE_MAX = 50_000;

export function rolloutCwd(file: string): string | null {
  const hit = headCache.get(file);
  if (hit !== undefined) return hit;
  let cwd: string | null = null;
  let fd: number | undefined;
  try {
    fd = fs.openSync(file, 'r');
    const buf = Buffer.alloc(64 * 1024);
    const n = fs.readSync(fd, buf, 0, buf.length, 0);
    const text = buf.subarray(0, n).toString('utf8');
    const nl = text.indexOf('\n');
    const complete = nl >= 0 || n < buf.length;
    const first = nl >= 0 ? text.slice(0, nl) : text;
    try {
      const v = JSON.parse(first) as { type?: unknown; payload?: { cwd?: unknown }; cwd?: unknown };
      const c = v.payload?.cwd ?? v.cwd;
      if (typeof c === 'string') cwd = c;
    } catch {
      // A huge session_meta (base instructions) may not fit: take the cwd field by pattern.
      const m = /"cwd"\s*:\s*("(?:[^"\\]|\\.)*")/.exec(first);
      if (m) {
        try {
          cwd = JSON.parse(m[1]!) as string;
        } catch {
          cwd = null;
        }
      }
    }
    // Cache only settled answers (a file being created may not have its first line yet).
    if (cwd !== null || complete) {
      if (headCache.size >= HEAD_CACHE_MAX) headCache.clear();
      headCache.set(file, cwd);
    }
    return cwd;
  } catch {
    return null;
  } finally {
    if (fd !== undefined) fs.closeSync(fd);
  }
}

function sameDir(a: string, cwd: string): boolean {
  return a === cwd || path.resolve(a) === path.resolve(cwd) || realCwd(a) === realCwd(cwd);
}

async function listDirs(dir: string): Promise<string[]> {
  try {
    const ds = await fs.promises.readdir(dir, { withFileTypes: true });
    return ds.filter((d) => d.isDirectory() && /^\d+$/.test(d.name)).map((d) => d.name).sort().reverse();
  } catch {
    return [];
  }
}

/** The newest CODEX_MAX_DAYS day folders (YYYY/MM/DD), newest first, plus the root itself (older flat layout). */
export async function codexDayDirs(root: string): Promise<string[]> {
  const out: string[] = [];
  for (const y of await listDirs(root)) {
    for (const m of await listDirs(path.join(root, y))) {
      for (const d of await listDirs(path.join(root, y, m))) {
        out.push(path.join(root, y, m, d));
        if (out.length >= CODEX_MAX_DAYS) return [...out, root];
      }
    }
  }
  return [...out, root];
}

/** Last turn marker in the tail: true open, false closed, undefined none seen. */
export async function codexTurn(file: string): Promise<boolean | undefined> {
  const tail = await readTail(file);
  const { records } = parseJsonLines(tail.lines);
  for (let i = records.length - 1; i >= 0; i--) {
    const r = records[i]!;
    if (r.type !== 'event_msg') continue;
    const t = (r.payload as { type?: unknown } | undefined)?.type;
    if (t === 'task_started') return true;
    if (t === 'task_complete' || t === 'turn_aborted') return false;
  }
  return undefined;
}

export const CODEX_WAITING: readonly RegExp[] = [
  /Would you like to (run the following command|make the following edits|apply)/,
  /Allow command\?/,
  /Approve (this|the) /,
  /Press Enter to confirm or Esc to cancel/,
];
const CODEX_PLACEHOLDERS = [/^Ask Codex to do anything$/, /^(Explain this codebase|Summarize recent commits|Implement \{feature\}|Find and fix a bug in @filename|Write tests for @filename|Improve documentation in @filename|Run \/review on my current changes|Use \/skills to list available skills)$/];

/** Text of a Codex user turn record (event_msg user_message, or response_item message role user). */
function codexUserText(r: Record<string, unknown>): string | null {
  const p = r.payload as { type?: unknown; message?: unknown; role?: unknown; content?: unknown } | undefined;
  if (!p) return null;
  if (r.type === 'event_msg' && p.type === 'user_message' && typeof p.message === 'string') return p.message;
  if (r.type === 'response_item' && p.type === 'message' && p.role === 'user' && Array.isArray(p.content)) {
    const parts = p.content
      .map((c: unknown) => (c && typeof c === 'object' && typeof (c as { text?: unknown }).text === 'string' ? (c as { text: string }).text : null))
      .filter((t): t is string => t !== null);
    return parts.length ? parts.join('\n') : null;
  }
  return null;
}

export const codex: TranscriptAdapter = {
  name: 'codex',
  watchDepth: 3,
  checksScreen: true,
  interruptKey: 'Escape',

  launchCommand(spec, mode, resumeRef) {
    const base = spec.command?.trim() || 'codex';
    if (mode === 'fresh') return base;
    return resumeRef ? `${base} resume ${shellQuote(resumeRef)}` : `${base} resume --last`;
  },

  transcriptDirs(spec, env) {
    return [codexSessionsDir(spec, env)];
  },

  async scan(spec, env): Promise<TranscriptObs> {
    const root = codexSessionsDir(spec, env);
    try {
      await fs.promises.access(root, fs.constants.R_OK | fs.constants.X_OK);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return obs({ problem: missingProblem(spec, root) });
      return obs({ problem: describeFsError(root, e) });
    }
    const files: string[] = [];
    for (const d of await codexDayDirs(root)) {
      try {
        for (const n of await fs.promises.readdir(d)) if (ROLLOUT_RE.test(n)) files.push(path.join(d, n));
      } catch (e) {
        return obs({ problem: describeFsError(d, e) });
      }
      if (files.length >= MAX_STATS) break;
    }
    const stats: FileStat[] = await statAll(files.slice(0, MAX_STATS));
    stats.sort((a, b) => b.mtimeMs - a.mtimeMs);
    const mine = stats.find((s) => {
      const c = rolloutCwd(s.file);
      return c !== null && sameDir(c, spec.cwd);
    });
    const many = files.length > MANY_FILES ? `${root} holds ${files.length} rollout files in its recent day folders; scans are slower` : undefined;
    if (!mine) return obs({ problem: many });
    const tail = await readTail(mine.file);
    const parsed = parseJsonLines(tail.lines);
    return obs({
      lastActivityMs: mine.mtimeMs,
      sessionFile: mine.file,
      resumeRef: codex.sessionRef(mine.file),
      turnOpen: await codexTurn(mine.file),
      problem: joinProblems(many, tail.error, garbageProblem(mine.file, parsed)),
    });
  },

  resetCommand(spec) {
    return spec.reset ?? '/new';
  },

  isWaiting(screen) {
    return matchesAny(screen, CODEX_WAITING);
  },

  composerDraft(screen) {
    return promptLineDraft(screen, /^\s*[›▌]\s?(.*)$/, CODEX_PLACEHOLDERS) ?? null;
  },

  composerVisible(screen) {
    return promptLineDraft(screen, /^\s*[›▌]\s?(.*)$/, CODEX_PLACEHOLDERS) !== undefined;
  },

  async hasUserTurn(sessionFile, text, fromOffset) {
    const tail = await readTail(sessionFile, 8 * 1024 * 1024, fromOffset);
    return parseJsonLines(tail.lines).records.some((r) => {
      const t = codexUserText(r);
      return t !== null && sameText(t, text);
    });
  },

  async owns(spec, env, file) {
    const rel = path.relative(codexSessionsDir(spec, env), file);
    if (rel.startsWith('..') || !ROLLOUT_RE.test(path.basename(file))) return false;
    const c = rolloutCwd(file);
    return c !== null && sameDir(c, spec.cwd);
  },

  isSession(file) {
    return ROLLOUT_RE.test(path.basename(file));
  },

  sessionRef(file) {
    const m = UUID_RE.exec(path.basename(file));
    return m ? m[1]! : null;
  },

  readTurn: codexTurn,
};
