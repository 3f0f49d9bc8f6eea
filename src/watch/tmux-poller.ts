import type { TmuxObservation } from '../domain/types.js';

export interface TmuxPollerOptions {
  /** ONE call for the whole server (TmuxClient.observe or the control-mode client). */
  observe(now: number): Promise<TmuxObservation>;
  onObservation(obs: TmuxObservation): void;
  /**
   * Delay between polls while the server answers. A function is read before every wait: with a control-mode
   * connection the cockpit polls only as a slow reconcile while connected, every second while not.
   */
  intervalMs?: number | (() => number);
  /** Longest wait between polls while the server is down or erroring. */
  maxBackoffMs?: number;
  now?: () => number;
}

export interface TmuxPoller {
  start(): void;
  stop(): void;
  /** Polls now unless a poll is in flight (then it is skipped: polls never overlap). */
  pollNow(): Promise<void>;
  readonly polls: number;
  readonly skipped: number;
  /** Current delay before the next poll (grows while tmux is down, back to interval when it is up). */
  readonly delayMs: number;
}

/**
 * The tmux poller (k9s-style): one observe() per tick, never two at once, exponential back-off while
 * the server is down or the call fails, and back to the normal interval as soon as it answers. Every
 * poll, also one asked for with pollNow() (an event), re-arms the timer from its end with the current
 * interval.
 */
export function createTmuxPoller(o: TmuxPollerOptions): TmuxPoller {
  const intervalOpt = o.intervalMs ?? 1000;
  const interval = (): number => (typeof intervalOpt === 'function' ? intervalOpt() : intervalOpt);
  const maxBackoff = o.maxBackoffMs ?? 8000;
  const now = o.now ?? Date.now;
  let timer: ReturnType<typeof setTimeout> | null = null;
  let running = false;
  let stopped = false;
  let inFlight = false;
  let polls = 0;
  let skipped = 0;
  let delay = interval();
  let up = true;

  const schedule = (): void => {
    if (!running || stopped) return;
    if (timer) clearTimeout(timer);
    // While the server answers, the interval as it is now (it may have changed since the last poll).
    if (up) delay = interval();
    timer = setTimeout(() => {
      timer = null;
      void pollNow();
    }, delay);
    timer.unref?.();
  };

  async function pollNow(): Promise<void> {
    if (inFlight) {
      skipped++;
      return;
    }
    inFlight = true;
    polls++;
    try {
      let obs: TmuxObservation;
      try {
        obs = await o.observe(now());
      } catch (e) {
        obs = { server: 'down', at: now(), reason: e instanceof Error ? e.message : String(e) };
      }
      up = obs.server === 'up';
      delay = up ? interval() : Math.min(maxBackoff, Math.max(Math.min(interval(), maxBackoff), delay * 2));
      if (!stopped) o.onObservation(obs);
    } finally {
      inFlight = false;
      schedule();
    }
  }

  return {
    start() {
      if (running) return;
      running = true;
      void pollNow();
    },
    stop() {
      running = false;
      stopped = true;
      if (timer) clearTimeout(timer);
      timer = null;
    },
    pollNow,
    get polls() {
      return polls;
    },
    get skipped() {
      return skipped;
    },
    get delayMs() {
      return delay;
    },
  };
}
