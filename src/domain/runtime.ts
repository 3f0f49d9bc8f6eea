import type { AgentSpec, RuntimeName, TranscriptObs } from './types.js';

/**
 * What every runtime adapter (src/runtimes/<name>.ts) knows. Adapters do file I/O but never run tmux.
 * `env` is the agent's effective environment: process env overlaid with the roster's `env:` for it,
 * so CLAUDE_CONFIG_DIR / CODEX_HOME / PI_CODING_AGENT_DIR / GEMINI home point where the agent's do.
 */
export interface RuntimeAdapter {
  readonly name: RuntimeName;
  /** Shell command line tmux runs in the agent's pane. `resumeRef` from TranscriptObs when known. */
  launchCommand(spec: AgentSpec, mode: 'fresh' | 'resume', resumeRef: string | null): string;
  /** Directories whose files are this agent's transcripts (watched with fs.watch; may not exist yet). */
  transcriptDirs(spec: AgentSpec, env: Readonly<Record<string, string | undefined>>): string[];
  /** One-shot scan: newest activity, newest session file, resume ref, open turn. Never throws. */
  scan(spec: AgentSpec, env: Readonly<Record<string, string | undefined>>): Promise<TranscriptObs>;
  /** Text typed to reset context in place; null means the runtime cannot, so restart fresh. */
  resetCommand(spec: AgentSpec): string | null;
  /** Send an interrupt (Escape) before the reset command when busy. */
  readonly interruptKey: string | null;
  /** The pane shows the agent asking the operator something (permission dialog, question). */
  isWaiting(screen: string): boolean;
  /** The composer holds text that nobody from fleet typed: returns the draft text, or null. */
  composerDraft(screen: string): string | null;
  /**
   * Is the runtime's composer on screen at all (empty or not)? composerDraft returns null both for an empty
   * composer and for a screen with none (an agent that exited, a dialog, a program that is not the agent), so
   * "the composer took the text" needs this to be true. Optional: undefined means the adapter cannot tell.
   */
  composerVisible?(screen: string): boolean;
  /**
   * Delivery verification: does the session file record a user turn whose text equals `text`,
   * written at or after byte `fromOffset`? Reads only the tail after fromOffset (bounded).
   */
  hasUserTurn(sessionFile: string, text: string, fromOffset: number): Promise<boolean>;
}
