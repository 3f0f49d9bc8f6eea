import { createHash } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { AgentSpec, TranscriptObs } from '../domain/types.js';
import { realCwd } from './claude-paths.js';
import { joinProblems, obs, sameText, scanDir, missingProblem } from './files.js';
import { boxedDraft, matchesAny } from './screen.js';
import type { Env, TranscriptAdapter } from './types.js';

/**
 * Gemini CLI. Transcripts: `<gemini home>/.gemini/tmp/<sha256(cwd)>/chats/session-*.json`, where the home is
 * `$GEMINI_CLI_HOME` when set, else `$HOME`. Each chat is ONE JSON document rewritten as it grows (not JSON
 * lines), so content is read whole but bounded (GEMINI_MAX_BYTES). Resume: `--resume` (latest). Reset: `/clear`.
 */

export const GEMINI_MAX_BYTES = 16 * 1024 * 1024;

export function geminiDir(env: Env): string {
  return path.join(env.GEMINI_CLI_HOME || env.HOME || os.homedir(), '.gemini');
}

export function geminiProjectHash(cwd: string): string {
  return createHash('sha256').update(cwd).digest('hex');
}

export function geminiChatsDir(spec: AgentSpec, env: Env): string {
  if (spec.transcripts) return spec.transcripts;
  const tmp = path.join(geminiDir(env), 'tmp');
  const real = realCwd(spec.cwd);
  const byReal = path.join(tmp, geminiProjectHash(real), 'chats');
  if (real === spec.cwd || fs.existsSync(byReal)) return byReal;
  return path.join(tmp, geminiProjectHash(path.resolve(spec.cwd)), 'chats');
}

interface Chat {
  sessionId?: unknown;
  messages?: unknown;
}

async function readChat(file: string): Promise<{ chat: Chat | null; problem: string | undefined }> {
  try {
    const st = await fs.promises.stat(file);
    if (st.size > GEMINI_MAX_BYTES) return { chat: null, problem: `${file} is ${Math.round(st.size / 1048576)} MB; content not read (activity still tracked)` };
    const v: unknown = JSON.parse(await fs.promises.readFile(file, 'utf8'));
    if (!v || typeof v !== 'object' || Array.isArray(v)) return { chat: null, problem: `${file} is not a Gemini chat (JSON object expected)` };
    return { chat: v as Chat, problem: undefined };
  } catch (e) {
    if (e instanceof SyntaxError) return { chat: null, problem: `${file} is not valid JSON (garbage, or caught mid-write)` };
    return { chat: null, problem: `cannot read ${file}: ${(e as Error).message}` };
  }
}

function geminiUserTexts(chat: Chat): string[] {
  if (!Array.isArray(chat.messages)) return [];
  const out: string[] = [];
  for (const m of chat.messages as unknown[]) {
    if (!m || typeof m !== 'object' || (m as { type?: unknown }).type !== 'user') continue;
    const c = (m as { content?: unknown }).content;
    if (typeof c === 'string') out.push(c);
    else if (Array.isArray(c)) {
      const t = c.map((p: unknown) => (p && typeof p === 'object' ? (p as { text?: unknown }).text : null)).filter((x): x is string => typeof x === 'string');
      if (t.length) out.push(t.join(''));
    }
  }
  return out;
}

export const GEMINI_WAITING: readonly RegExp[] = [/Apply this change\?/, /Allow execution/, /Do you want to proceed\?/, /Waiting for user confirmation/];

export const gemini: TranscriptAdapter = {
  name: 'gemini',
  watchDepth: 0,
  checksScreen: true,
  interruptKey: 'Escape',

  launchCommand(spec, mode) {
    const base = spec.command?.trim() || 'gemini';
    return mode === 'fresh' ? base : `${base} --resume`;
  },

  transcriptDirs(spec, env) {
    return [geminiChatsDir(spec, env)];
  },

  async scan(spec, env): Promise<TranscriptObs> {
    const dir = geminiChatsDir(spec, env);
    const d = await scanDir(dir, (n) => n.startsWith('session-') && n.endsWith('.json'));
    const newest = d.files[0];
    if (!newest) return obs({ problem: d.missing ? missingProblem(spec, dir) : d.problem });
    const { chat, problem } = await readChat(newest.file);
    const id = chat && typeof chat.sessionId === 'string' ? chat.sessionId : null;
    return obs({ lastActivityMs: newest.mtimeMs, sessionFile: newest.file, resumeRef: id, problem: joinProblems(d.problem, problem) });
  },

  resetCommand(spec) {
    return spec.reset ?? '/clear';
  },

  isWaiting(screen) {
    return matchesAny(screen, GEMINI_WAITING);
  },

  composerDraft(screen) {
    return boxedDraft(screen, [/^Type your message or @path\/to\/file$/]) ?? null;
  },

  composerVisible(screen) {
    return boxedDraft(screen) !== undefined;
  },

  /**
   * The chat is rewritten whole, so `fromOffset` is read as "the file's size before": the file must have grown
   * past it (a message was added) and its newest user message must equal `text`.
   */
  async hasUserTurn(sessionFile, text, fromOffset) {
    try {
      if (fromOffset > 0 && (await fs.promises.stat(sessionFile)).size <= fromOffset) return false;
    } catch {
      return false;
    }
    const { chat } = await readChat(sessionFile);
    if (!chat) return false;
    const users = geminiUserTexts(chat);
    const last = users[users.length - 1];
    return last !== undefined && sameText(last, text);
  },

  async owns(spec, env, file) {
    const b = path.basename(file);
    return path.dirname(file) === geminiChatsDir(spec, env) && b.startsWith('session-') && b.endsWith('.json');
  },

  isSession(file) {
    const b = path.basename(file);
    return b.startsWith('session-') && b.endsWith('.json');
  },

  sessionRef() {
    return null;
  },
};
