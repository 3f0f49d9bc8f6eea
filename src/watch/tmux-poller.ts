import type { TmuxObservation } from '../domain/types.js';

export interface TmuxPollerOptions {
  /** ONE call for the whole server (TmuxClient.observe or the control-mode client). */
  observe(now: number): Promise<TmuxObservation>;
  onObservation(obs: TmuxObservation): void;
  intervalMs?: number;
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
 * the server is down or the call fails, and back to the normal interval as soon as it answers.
 */
export function createTmuxPoller(o: TmuxPollerOptions): TmuxPoller {
  const interval = o.intervalMs ?? 1000;
  const maxBackoff = o.maxBackoffMs ?? 8000;
  const now = o.now ?? Date.now;
  let timer: ReturnType<typeof setTimeout> | null = null;
  let running = false;
  let stopped = false;
  let inFlight = false;
  let polls = 0;
  let skipped = 0;
  let delay = interval;

  const schedule = (): void => {
    if (!running) return;
    timer = setTimeout(() => {
      timer = null;
      void pollNow().finally(schedule);
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
      delay = obs.server === 'up' ? interval : Math.min(maxBackoff, Math.max(interval, delay * 2));
      if (!stopped) o.onObservation(obs);
    } finally {
      inFlight = false;
    }
  }

  return {
    start() {
      if (running) return;
      running = true;
      void pollNow().finally(schedule);
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
