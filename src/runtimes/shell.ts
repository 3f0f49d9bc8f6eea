import path from 'node:path';
import type { TranscriptObs } from '../domain/types.js';
import { obs, scanDir, missingProblem } from './files.js';
import type { TranscriptAdapter } from './types.js';

/**
 * Any shell command. No transcripts: activity is tmux's window_activity (derive.ts uses the pane for shell
 * agents). When the roster sets `transcripts:` for it, the newest file there (any name) is its activity.
 * Reset is a restart (null); interrupt is Ctrl-C.
 */
export const shell: TranscriptAdapter = {
  name: 'shell',
  watchDepth: 0,
  checksScreen: false,
  interruptKey: 'C-c',

  launchCommand(spec) {
    return spec.command?.trim() || 'exec "${SHELL:-/bin/sh}" -l';
  },

  transcriptDirs(spec) {
    return spec.transcripts ? [spec.transcripts] : [];
  },

  async scan(spec): Promise<TranscriptObs> {
    if (!spec.transcripts) return obs({});
    const d = await scanDir(spec.transcripts, (n) => !n.startsWith('.'));
    const newest = d.files[0];
    const problem = d.missing ? missingProblem(spec, spec.transcripts) : d.problem;
    return obs({ lastActivityMs: newest?.mtimeMs ?? null, sessionFile: newest?.file ?? null, problem });
  },

  resetCommand(spec) {
    return spec.reset ?? null;
  },

  isWaiting() {
    return false;
  },

  composerDraft() {
    return null;
  },

  async hasUserTurn() {
    return false;
  },

  async owns(spec, _env, file) {
    return !!spec.transcripts && path.dirname(file) === spec.transcripts;
  },

  isSession() {
    return true;
  },

  sessionRef() {
    return null;
  },
};
