import path from 'node:path';
import type { AgentSpec, TranscriptObs } from '../domain/types.js';
import { resolveClaudeProjectDir } from './claude-paths.js';
import { garbageProblem, joinProblems, jsonRecord, obs, parseJsonLines, readTail, sameText, scanDir, shellQuote, missingProblem } from './files.js';
import { boxedDraft, matchesAny, ruledDraft } from './screen.js';
import type { Env, TranscriptAdapter } from './types.js';

/**
 * Claude Code. Transcripts: `${CLAUDE_CONFIG_DIR:-~/.claude}/projects/<slug>/<session-uuid>.jsonl`, plus
 * `<slug>/<uuid>/subagents/*.jsonl` (activity only). Resume: `--resume <id>` (or `--continue`). Reset: `/clear`.
 * The stand-in (src/standin) writes the same shape, so this adapter reads it too.
 */

const SESSION_RE = /^(?!agent-)([A-Za-z0-9][A-Za-z0-9._-]*)\.jsonl$/;

/** Lines of the visible screen that ask the operator something (permission dialogs, questions, trust). */
export const CLAUDE_WAITING: readonly RegExp[] = [
  /Do you want to (proceed|make this edit|create|allow|run|overwrite|delete)/,
  /Do you trust the files in this folder\?/,
  /Enter to select · .*Esc to cancel/,
  /Would you like to proceed\?/,
];

/** Placeholder hints Claude shows in an empty composer. */
const PLACEHOLDERS = [/^Try "/];

/** Boxed composer (`│ > text │`, older Claude and the stand-in), else the open `> text` below a rule (newer Claude). */
export function claudeComposerDraft(screen: string): string | null {
  const boxed = boxedDraft(screen, PLACEHOLDERS);
  if (boxed !== undefined) return boxed;
  return ruledDraft(screen, /^\s*[>❯]\s?(.*)$/, PLACEHOLDERS) ?? null;
}

export function claudeComposerVisible(screen: string): boolean {
  return boxedDraft(screen, PLACEHOLDERS) !== undefined || ruledDraft(screen, /^\s*[>❯]\s?(.*)$/, PLACEHOLDERS) !== undefined;
}

export function claudeIsWaiting(screen: string): boolean {
  return matchesAny(screen, CLAUDE_WAITING);
}

/** The content of a user record as text (string content, or the text parts of a content array). */
export function userText(rec: Record<string, unknown>): string | null {
  const msg = rec.message as { content?: unknown } | undefined;
  const c = msg?.content;
  if (typeof c === 'string') return c;
  if (Array.isArray(c)) {
    const parts = c
      .filter((p): p is { type: string; text: string } => !!p && typeof p === 'object' && (p as { type?: unknown }).type === 'text' && typeof (p as { text?: unknown }).text === 'string')
      .map((p) => p.text);
    return parts.length ? parts.join('\n') : null;
  }
  return null;
}

/** Records that say nothing about the turn (metadata, snapshots, summaries). */
const NEUTRAL = new Set(['summary', 'file-history-snapshot', 'queue-operation', 'progress']);
const CLOSED_STOP = new Set(['end_turn', 'stop_sequence', 'max_tokens', 'refusal']);
const INTERRUPTED = /^\[Request interrupted by user/;

export interface ClaudeTail {
  /** false: turn closed (see claudeTurn); undefined: no verdict. Never true. */
  turnOpen: boolean | undefined;
  /** false when the last turn record rules out a pending question (a prompt, an ended turn, no turn at all). */
  mayAsk: boolean;
}

function pendingTool(r: Record<string, unknown>): boolean {
  const m = r.message as { stop_reason?: unknown; content?: unknown } | undefined;
  if (m?.stop_reason === 'tool_use') return true;
  return Array.isArray(m?.content) && m.content.some((c: unknown) => !!c && typeof c === 'object' && (c as { type?: unknown }).type === 'tool_use');
}

/** Reads the end of a Claude transcript (bounded) for the turn verdict and whether a question may be up. */
export async function claudeTail(file: string, maxBytes = 32 * 1024): Promise<ClaudeTail> {
  const tail = await readTail(file, maxBytes);
  if (tail.error) return { turnOpen: undefined, mayAsk: true };
  const whole = tail.size <= maxBytes;
  // From the end, parsing one line at a time: the verdict is almost always in the last record or two, and a
  // busy agent's tail holds hundreds (parsing them all for every write was most of a busy fleet's CPU).
  const lines = tail.lines;
  for (let i = lines.length - 1; i >= 0; i--) {
    const r = jsonRecord(lines[i]!);
    if (r === null) continue; // broken or not an object: skipped, as parseJsonLines does
    const type = r.type;
    if (type === 'system') {
      if (r.subtype === 'interrupted') return { turnOpen: false, mayAsk: false };
      continue;
    }
    if (typeof type === 'string' && NEUTRAL.has(type)) continue;
    if (type === 'assistant') {
      const stop = (r.message as { stop_reason?: unknown } | undefined)?.stop_reason;
      if (typeof stop === 'string' && CLOSED_STOP.has(stop)) return { turnOpen: false, mayAsk: false };
      return { turnOpen: undefined, mayAsk: pendingTool(r) };
    }
    if (type === 'user') {
      const t = userText(r);
      if (t !== null && INTERRUPTED.test(t)) return { turnOpen: false, mayAsk: false };
      return { turnOpen: undefined, mayAsk: false }; // a prompt or a tool result: the model is working
    }
    return { turnOpen: undefined, mayAsk: true };
  }
  // No turn in the whole file (fresh or cleared session): nothing is running, nothing asked.
  if (whole && !tail.halfWritten) return { turnOpen: false, mayAsk: false };
  return { turnOpen: undefined, mayAsk: true };
}

/**
 * Turn verdict from the tail of a Claude transcript. false (closed): the last user/assistant record is an
 * assistant message that ended the turn (stop_reason end_turn…), or an interruption; or the session has no
 * turn at all yet (fresh or just cleared). undefined: no verdict (a turn may be running; derive falls back to
 * mtimes and pane output). Never true: a stale "open" must not pin an agent to busy.
 */
export async function claudeTurn(file: string, maxBytes = 32 * 1024): Promise<boolean | undefined> {
  return (await claudeTail(file, maxBytes)).turnOpen;
}

export function claudeDir(spec: AgentSpec, env: Env): string {
  return spec.transcripts ?? resolveClaudeProjectDir(spec.cwd, env);
}

export const claude: TranscriptAdapter = {
  name: 'claude',
  watchDepth: 2,
  checksScreen: true,
  interruptKey: 'Escape',

  launchCommand(spec, mode, resumeRef) {
    const base = spec.command?.trim() || 'claude';
    if (mode === 'fresh') return base;
    return resumeRef ? `${base} --resume ${shellQuote(resumeRef)}` : `${base} --continue`;
  },

  transcriptDirs(spec, env) {
    return [claudeDir(spec, env)];
  },

  async scan(spec, env): Promise<TranscriptObs> {
    const dir = claudeDir(spec, env);
    const d = await scanDir(dir, (n) => n.endsWith('.jsonl'));
    if (d.missing || d.files.length === 0) return obs({ problem: d.missing ? missingProblem(spec, dir) : d.problem });
    const newest = d.files[0]!;
    const session = d.files.find((f) => SESSION_RE.test(path.basename(f.file)));
    let last = newest.mtimeMs;
    let problem = d.problem;
    let turnOpen: boolean | undefined;
    let mayAsk: boolean | undefined;
    if (session) {
      // Subagents of the current session write under <uuid>/subagents/: their activity counts.
      const id = path.basename(session.file, '.jsonl');
      const sub = await scanDir(path.join(dir, id, 'subagents'), (n) => n.endsWith('.jsonl'));
      if (sub.files[0]) last = Math.max(last, sub.files[0].mtimeMs);
      const tail = await readTail(session.file, 64 * 1024);
      problem = joinProblems(problem, tail.error, garbageProblem(session.file, parseJsonLines(tail.lines)));
      // A subagent writing after the main file means work is going on: no verdict from the main file.
      const info = await claudeTail(session.file);
      turnOpen = last > session.mtimeMs ? undefined : info.turnOpen;
      // A subagent may ask for permission too: only the main file's own "closed / prompt" rules it out.
      mayAsk = last > session.mtimeMs ? undefined : info.mayAsk ? undefined : false;
    }
    return obs({
      lastActivityMs: last,
      sessionFile: session?.file ?? null,
      resumeRef: session ? path.basename(session.file, '.jsonl') : null,
      turnOpen,
      problem,
      mayAsk,
    });
  },

  resetCommand(spec) {
    return spec.reset ?? '/clear';
  },

  isWaiting: claudeIsWaiting,
  composerDraft: claudeComposerDraft,
  composerVisible: claudeComposerVisible,

  async hasUserTurn(sessionFile, text, fromOffset) {
    const tail = await readTail(sessionFile, 8 * 1024 * 1024, fromOffset);
    for (const rec of parseJsonLines(tail.lines).records) {
      if (rec.type !== 'user') continue;
      const t = userText(rec);
      if (t !== null && sameText(t, text)) return true;
    }
    return false;
  },

  async owns(spec, env, file) {
    const dir = claudeDir(spec, env);
    const rel = path.relative(dir, file);
    if (rel.startsWith('..') || !rel.endsWith('.jsonl')) return false;
    const parts = rel.split(path.sep);
    return parts.length === 1 || (parts.length === 3 && parts[1] === 'subagents');
  },

  isSession(file) {
    return SESSION_RE.test(path.basename(file)) && path.basename(path.dirname(file)) !== 'subagents';
  },

  sessionRef(file) {
    const m = SESSION_RE.exec(path.basename(file));
    if (!m || path.basename(path.dirname(file)) === 'subagents') return null;
    return m[1]!;
  },

  readTurn: claudeTurn,
};
