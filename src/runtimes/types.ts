import type { RuntimeAdapter } from '../domain/runtime.js';
import type { AgentSpec } from '../domain/types.js';

export type Env = Readonly<Record<string, string | undefined>>;

/**
 * What the transcript watcher needs beyond the shared RuntimeAdapter contract: how deep to watch,
 * which files under the watched dirs belong to an agent, and the cheap per-file facts.
 */
export interface TranscriptAdapter extends RuntimeAdapter {
  /** How many directory levels under each transcript dir are watched (0: files directly inside). */
  readonly watchDepth: number;
  /** The runtime shows waiting prompts worth a screen check (the screen checker skips the others). */
  readonly checksScreen: boolean;
  /** Is `file` (found under one of the agent's transcriptDirs) one of this agent's transcripts? May read its head. */
  owns(spec: AgentSpec, env: Env, file: string): Promise<boolean>;
  /** Is `file` a main session file (not a side file such as a subagent transcript)? */
  isSession(file: string): boolean;
  /** The resume reference for a session file, when its name carries one (null otherwise). */
  sessionRef(file: string): string | null;
  /** Bounded tail read of turn markers: true open, false closed, undefined when the runtime has none. */
  readTurn?(file: string): Promise<boolean | undefined>;
}
