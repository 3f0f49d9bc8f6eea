/**
 * Delivery results (DESIGN §7). Pure types, shared by the send primitive, the ledger, broadcast,
 * the lifecycle (kickstart/task) and the cockpit.
 */

/** Final per-target outcome of one delivery. */
export type DeliveryState = 'delivered' | 'unconfirmed' | 'deferred' | 'skipped' | 'failed';

/** Ledger states: the final ones plus the two in-flight ones a crash can leave behind. */
export type LedgerDeliveryState = DeliveryState | 'pending' | 'pasting';

export const FINAL_STATES: readonly DeliveryState[] = ['delivered', 'unconfirmed', 'deferred', 'skipped', 'failed'];

export interface DeliveryResult {
  state: DeliveryState;
  /** Why (for every state but a plain `delivered`): "composer holds a draft", "not live", tmux error… */
  reason?: string;
  /** How many times the text was pasted (0 when deferred/skipped before pasting, normally 1). */
  attempts: number;
  /** What proved delivery: the transcript recorded the user turn, or the composer let go of the text. */
  evidence?: 'transcript' | 'composer';
  /** Enter key presses sent (1, or 2 with the rescue Enter). */
  enters?: number;
}

/**
 * Where the transcript stood right before a paste. Written to the ledger (state `pasting`) before the
 * text goes in, so a delivery interrupted mid-paste can be checked against the transcript afterwards.
 */
export interface PasteMark {
  /** Newest session file before the paste (null when the agent had none yet). */
  sessionFile: string | null;
  /** Its size in bytes before the paste (0 when none). */
  offset: number;
  /** When the paste began (ms since epoch). */
  at: number;
}
