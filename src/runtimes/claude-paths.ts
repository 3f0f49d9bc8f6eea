import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

/**
 * Where Claude Code keeps a project's transcripts. Checked against Claude Code's own `sanitizePath`
 * (as quoted in public issues, e.g. Digital-Process-Tools/claude-remember#157 and
 * Untrivial-ai/agent-orchestrator#1612): every char outside [A-Za-z0-9] → "-"; when that is longer
 * than 200 chars: the first 200, "-", and a base-36 hash of the ORIGINAL path. The Node build hashes with
 * the Java-style `h = 31h + c` (|0, Math.abs); the Bun-compiled native build uses Bun.hash, and v2.1.224
 * changed long-path disambiguation. So for long paths fleet computes the Node form and, when that folder
 * does not exist, falls back to the one folder that starts with the same 200-char prefix + "-"
 * (several: the one whose newest transcript records our cwd).
 */
export const CLAUDE_SLUG_MAX = 200;

/** 32-bit string hash (Java-style `h = 31h + c`), printed in base 36, as Claude Code's Node build does. */
export function slugHash(s: string): string {
  let h = 0;
  for (let i = 0; i < s.length; i++) h = (Math.imul(h, 31) + s.charCodeAt(i)) | 0;
  return Math.abs(h).toString(36);
}

export function realCwd(cwd: string): string {
  try {
    return fs.realpathSync(cwd);
  } catch {
    return path.resolve(cwd);
  }
}

/** The slug with no cut: every char outside [A-Za-z0-9] → "-". */
export function sanitizeClaudePath(p: string): string {
  return p.replace(/[^A-Za-z0-9]/g, '-');
}

/** realpath(cwd) with every char outside [A-Za-z0-9] turned into "-"; over 200 chars: cut + "-" + hash. */
export function claudeSlug(cwd: string): string {
  const real = realCwd(cwd);
  const slug = sanitizeClaudePath(real);
  if (slug.length <= CLAUDE_SLUG_MAX) return slug;
  return `${slug.slice(0, CLAUDE_SLUG_MAX)}-${slugHash(real)}`;
}

export function claudeHome(env: Readonly<Record<string, string | undefined>>): string {
  return env.CLAUDE_CONFIG_DIR || path.join(env.HOME || os.homedir(), '.claude');
}

/** `${CLAUDE_CONFIG_DIR:-~/.claude}/projects/<slug>` (computed; see resolveClaudeProjectDir for long paths). */
export function claudeProjectDir(cwd: string, env: Readonly<Record<string, string | undefined>>): string {
  return path.join(claudeHome(env), 'projects', claudeSlug(cwd));
}

/** First `cwd` field found in the first few lines of a transcript (Claude records carry one). */
function recordedCwd(file: string): string | null {
  let fd: number | undefined;
  try {
    fd = fs.openSync(file, 'r');
    const buf = Buffer.alloc(16 * 1024);
    const n = fs.readSync(fd, buf, 0, buf.length, 0);
    for (const line of buf.subarray(0, n).toString('utf8').split('\n')) {
      try {
        const v = JSON.parse(line) as { cwd?: unknown };
        if (typeof v.cwd === 'string') return v.cwd;
      } catch {
        /* partial or garbage line */
      }
    }
  } catch {
    /* unreadable */
  } finally {
    if (fd !== undefined) fs.closeSync(fd);
  }
  return null;
}

/**
 * The project folder that actually holds this cwd's transcripts: the computed one when it exists or the
 * path is short; for long paths written by a Claude build with another hash, the folder with the same
 * 200-char prefix (disambiguated by the cwd recorded inside). Falls back to the computed path.
 */
export function resolveClaudeProjectDir(cwd: string, env: Readonly<Record<string, string | undefined>>): string {
  const computed = claudeProjectDir(cwd, env);
  const real = realCwd(cwd);
  const full = sanitizeClaudePath(real);
  if (full.length <= CLAUDE_SLUG_MAX || fs.existsSync(computed)) return computed;
  const projects = path.join(claudeHome(env), 'projects');
  const prefix = `${full.slice(0, CLAUDE_SLUG_MAX)}-`;
  let candidates: string[];
  try {
    candidates = fs.readdirSync(projects).filter((n) => n.startsWith(prefix));
  } catch {
    return computed;
  }
  if (candidates.length === 0) return computed;
  if (candidates.length === 1) return path.join(projects, candidates[0]!);
  for (const c of candidates) {
    const dir = path.join(projects, c);
    let files: string[];
    try {
      files = fs.readdirSync(dir).filter((f) => f.endsWith('.jsonl')).slice(0, 50);
    } catch {
      continue;
    }
    if (files.some((f) => recordedCwd(path.join(dir, f)) === real)) return dir;
  }
  return computed;
}
