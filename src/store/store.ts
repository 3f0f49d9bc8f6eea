import { createStore, type StoreApi } from 'zustand/vanilla';
import type { CockpitEvent, DataEvent } from './events.js';
import { reduce } from './reducer.js';
import type { CockpitState } from './types.js';

export interface FleetStore {
  readonly api: StoreApi<CockpitState>;
  getState(): CockpitState;
  /** Applies at once (keypresses, action results): the next frame shows it. */
  dispatch(...events: CockpitEvent[]): void;
  /** Queues a watcher event; queued events are applied together in ONE setState every `batchMs`. */
  push(event: DataEvent): void;
  /** Applies the queued events now. */
  flush(): void;
  /** Number of setState calls made by batches so far (the benchmark and tests read it). */
  readonly batches: number;
  dispose(): void;
}

export interface StoreOptions {
  /** Batch window for watcher events; ≈4 updates a second by default. */
  batchMs?: number;
}

/** A zustand vanilla store driven by the pure reducer. No React here: hooks/useFleet bridges it. */
export function createFleetStore(initial: CockpitState, o: StoreOptions = {}): FleetStore {
  const api = createStore<CockpitState>()(() => initial);
  const batchMs = o.batchMs ?? 250;
  let queue: DataEvent[] = [];
  let timer: ReturnType<typeof setTimeout> | null = null;
  let batches = 0;
  // Throttle, not delay: the first event after a quiet window applies on the next turn of the event
  // loop (a transcript write shows in well under 300 ms), later ones wait for the window to end, so
  // there are still at most 1000/batchMs data updates per second (docs/BENCH.md).
  let lastFlush = -Infinity;

  const apply = (events: readonly CockpitEvent[]): void => {
    if (events.length === 0) return;
    const prev = api.getState();
    const next = reduce(prev, events);
    if (next !== prev) api.setState(next, true);
  };
  const flush = (): void => {
    if (timer) clearTimeout(timer);
    timer = null;
    const q = queue;
    queue = [];
    if (q.length > 0) {
      batches++;
      lastFlush = Date.now();
    }
    apply(q);
  };

  return {
    api,
    getState: api.getState,
    dispatch: (...events) => apply(events),
    push(e) {
      queue.push(e);
      if (!timer) {
        timer = setTimeout(flush, Math.max(0, batchMs - (Date.now() - lastFlush)));
        timer.unref?.();
      }
    },
    flush,
    get batches() {
      return batches;
    },
    dispose() {
      if (timer) clearTimeout(timer);
      timer = null;
      queue = [];
    },
  };
}
