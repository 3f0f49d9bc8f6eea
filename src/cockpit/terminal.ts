/**
 * Terminal setup and restore for the full-screen cockpit. The restore runs on every way out: q,
 * Ctrl-C, SIGTERM, SIGHUP, an uncaught error — and before handing the terminal to `tmux attach`.
 */

/** Enter: alternate screen, hide cursor, no auto-wrap surprises. */
export const ENTER_SEQ = '\u001b[?1049h\u001b[H\u001b[2J\u001b[?25l';
/**
 * Leave: reset SGR, turn off every mode an app (or a crash mid-frame) may leave on — mouse reporting,
 * bracketed paste, focus events, application cursor keys, kitty keyboard — show the cursor, leave the
 * alternate screen, and show the cursor once more (some terminals restore the alternate screen's
 * cursor mode when leaving it).
 */
export const LEAVE_SEQ =
  '\u001b[0m\u001b[?1000l\u001b[?1002l\u001b[?1003l\u001b[?1006l\u001b[?2004l\u001b[?1004l\u001b[?1l\u001b[<u\u001b[?25h\u001b[?1049l\u001b[?25h';

export interface TermOut {
  write(s: string): boolean;
  isTTY?: boolean;
}
export interface TermIn {
  isTTY?: boolean;
  setRawMode?(on: boolean): unknown;
  pause?(): unknown;
  isRaw?: boolean;
}

export interface Terminal {
  /** Switches to the cockpit's screen. Idempotent. */
  enter(): void;
  /** Restores the operator's terminal exactly. Idempotent; safe from signal and error handlers. */
  restore(): void;
  readonly active: boolean;
}

export function createTerminal(out: TermOut, inp: TermIn): Terminal {
  let active = false;
  return {
    get active() {
      return active;
    },
    enter() {
      if (active) return;
      active = true;
      out.write(ENTER_SEQ);
    },
    restore() {
      if (!active) return;
      active = false;
      try {
        if (inp.isTTY && inp.setRawMode) inp.setRawMode(false);
      } catch {
        /* the tty may already be gone (SIGHUP) */
      }
      try {
        out.write(LEAVE_SEQ);
      } catch {
        /* ditto */
      }
    },
  };
}

export type ExitReason = { kind: 'quit' } | { kind: 'signal'; signal: NodeJS.Signals } | { kind: 'error'; error: unknown };

export interface ProcessLike {
  on(ev: string, fn: (...a: unknown[]) => void): unknown;
  removeListener(ev: string, fn: (...a: unknown[]) => void): unknown;
}

/**
 * Routes SIGINT/SIGTERM/SIGHUP and uncaught exceptions to `onExit` (which restores the terminal and
 * finishes); unhandled rejections to `onRejection` when given. Returns the uninstaller.
 */
export function installExitHandlers(proc: ProcessLike, onExit: (r: ExitReason) => void, onRejection?: (e: unknown) => void): () => void {
  const handlers: [string, (...a: unknown[]) => void][] = [
    ['SIGINT', () => onExit({ kind: 'signal', signal: 'SIGINT' })],
    ['SIGTERM', () => onExit({ kind: 'signal', signal: 'SIGTERM' })],
    ['SIGHUP', () => onExit({ kind: 'signal', signal: 'SIGHUP' })],
    ['uncaughtException', (e) => onExit({ kind: 'error', error: e })],
    // A stray rejected promise of some background task: reported (e.g. as a toast) when the caller
    // says how, else fatal like an uncaught exception.
    ['unhandledRejection', (e) => (onRejection ? onRejection(e) : onExit({ kind: 'error', error: e }))],
  ];
  for (const [ev, fn] of handlers) proc.on(ev, fn);
  return () => {
    for (const [ev, fn] of handlers) proc.removeListener(ev, fn);
  };
}

/** Exit code for a reason: 0 on quit, 128+n on a signal, 1 on an error. */
export function exitCodeFor(r: ExitReason): number {
  if (r.kind === 'quit') return 0;
  if (r.kind === 'error') return 1;
  return 128 + ({ SIGINT: 2, SIGHUP: 1, SIGTERM: 15 } as Record<string, number>)[r.signal]!;
}
