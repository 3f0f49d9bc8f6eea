import os from 'node:os';
import path from 'node:path';
import type { AgentSpec, TranscriptObs } from '../domain/types.js';
import { realCwd } from './claude-paths.js';
import { garbageProblem, joinProblems, obs, parseJsonLines, readTail, sameText, scanDir, shellQuote, missingProblem } from './files.js';
import { screenLines } from './screen.js';
import type { Env, TranscriptAdapter } from './types.js';

/**
 * Pi (pi-coding-agent). Transcripts: `${PI_CODING_AGENT_DIR:-~/.pi/agent}/sessions/--<cwd, leading / dropped,
 * / \ : → ->--/<timestamp>_<uuid>.jsonl`. Resume: `--continue` (or `--session <file>`). Reset: `/new`.
 * Pi asks no permission questions, so it gets no screen check for `waiting`.
 */

export function piAgentDir(env: Env): string {
  const d = env.PI_CODING_AGENT_DIR;
  if (d) return d === '~' ? env.HOME || os.homedir() : d.startsWith('~/') ? path.join(env.HOME || os.homedir(), d.slice(2)) : d;
  return path.join(env.HOME || os.homedir(), '.pi', 'agent');
}

export function piSessionSlug(cwd: string): string {
  return `--${cwd.replace(/^[/\\]/, '').replace(/[/\\:]/g, '-')}--`;
}

export function piSessionDir(spec: AgentSpec, env: Env): string {
  return spec.transcripts ?? path.join(piAgentDir(env), 'sessions', piSessionSlug(realCwd(spec.cwd)));
}

function piUserText(r: Record<string, unknown>): string | null {
  if (r.type !== 'message') return null;
  const m = r.message as { role?: unknown; content?: unknown } | undefined;
  if (m?.role !== 'user') return null;
  if (typeof m.content === 'string') return m.content;
  if (Array.isArray(m.content)) {
    const t = m.content
      .map((c: unknown) => (c && typeof c === 'object' && (c as { type?: unknown }).type === 'text' ? (c as { text?: unknown }).text : null))
      .filter((x): x is string => typeof x === 'string');
    return t.length ? t.join('\n') : null;
  }
  return null;
}

export const pi: TranscriptAdapter = {
  name: 'pi',
  watchDepth: 0,
  checksScreen: false,
  interruptKey: 'Escape',

  launchCommand(spec, mode, resumeRef) {
    const base = spec.command?.trim() || 'pi';
    if (mode === 'fresh') return base;
    return resumeRef ? `${base} --session ${shellQuote(resumeRef)}` : `${base} --continue`;
  },

  transcriptDirs(spec, env) {
    return [piSessionDir(spec, env)];
  },

  async scan(spec, env): Promise<TranscriptObs> {
    const dir = piSessionDir(spec, env);
    const d = await scanDir(dir, (n) => n.endsWith('.jsonl'));
    const newest = d.files[0];
    if (!newest) return obs({ problem: d.missing ? missingProblem(spec, dir) : d.problem });
    const tail = await readTail(newest.file, 64 * 1024);
    return obs({
      lastActivityMs: newest.mtimeMs,
      sessionFile: newest.file,
      resumeRef: newest.file,
      problem: joinProblems(d.problem, tail.error, garbageProblem(newest.file, parseJsonLines(tail.lines))),
    });
  },

  resetCommand(spec) {
    return spec.reset ?? '/new';
  },

  isWaiting() {
    return false;
  },

  /** Pi's editor is the text between the last two horizontal rules at the bottom of the screen. */
  composerDraft(screen) {
    const lines = screenLines(screen);
    const rules: number[] = [];
    for (let i = lines.length - 1; i >= 0 && rules.length < 2; i--) if (/^\s*─{8,}\s*$/.test(lines[i]!)) rules.push(i);
    if (rules.length < 2) return null;
    const text = lines.slice(rules[1]! + 1, rules[0]).map((l) => l.trim()).join('\n').trim();
    return text || null;
  },

  composerVisible(screen) {
    return screenLines(screen).filter((l) => /^\s*─{8,}\s*$/.test(l)).length >= 2;
  },

  async hasUserTurn(sessionFile, text, fromOffset) {
    const tail = await readTail(sessionFile, 8 * 1024 * 1024, fromOffset);
    return parseJsonLines(tail.lines).records.some((r) => {
      const t = piUserText(r);
      return t !== null && sameText(t, text);
    });
  },

  async owns(spec, env, file) {
    return path.dirname(file) === piSessionDir(spec, env) && file.endsWith('.jsonl');
  },

  isSession(file) {
    return file.endsWith('.jsonl');
  },

  sessionRef(file) {
    return file.endsWith('.jsonl') ? file : null;
  },
};
