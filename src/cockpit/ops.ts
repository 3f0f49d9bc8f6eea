/**
 * The real AgentOps for the cockpit: lifecycle and delivery calls on the fleet context. No React.
 * `attach` is passed in by the composition root, because it must suspend and resume the UI.
 */
import type { AgentOps, DeliveryResultLike } from '../actions.js';
import type { FleetContext } from '../context.js';
import { resolveSelectors } from '../domain/selectors.js';
import type { AgentRow } from '../domain/types.js';
import { reset, start, stop, wake } from '../lifecycle/index.js';
import type { FleetStore } from '../store/store.js';

/** Grid rows in the shape the selector resolver takes. */
export function rowsForSelectors(store: FleetStore): AgentRow[] {
  const s = store.getState();
  return s.order.map((n) => {
    const r = s.rowMap.get(n)!;
    return {
      name: r.name,
      runtime: r.runtime,
      state: r.state,
      session: null,
      cwd: r.cwd,
      class: r.class,
      tags: [...r.tags],
      lastActivityAt: null,
      stateSince: null,
      pid: null,
      stopped: r.state === 'stopped',
      managed: r.managed,
    };
  });
}

export type BroadcastFn = (o: { names: string[]; text: string; onResult: (name: string, r: DeliveryResultLike) => void }) => Promise<{ runId?: string | undefined } | void>;

export interface RealOpsOptions {
  ctx: FleetContext;
  store: FleetStore;
  attach(name: string): Promise<void>;
  broadcast: BroadcastFn;
  quit(): void;
  /** Called after an action changed something, so the grid refreshes without waiting for a tick. */
  changed(): void;
}

export function realOps(o: RealOpsOptions): AgentOps {
  const { ctx } = o;
  const after = async <T>(p: Promise<T>): Promise<T> => {
    try {
      return await p;
    } finally {
      o.changed();
    }
  };
  return {
    wake: (name) => after(wake(ctx, name, { waitReady: false })),
    reset: (name) => after(reset(ctx, name, {})),
    stop: (name) => after(stop(ctx, name)),
    start: (name) => after(start(ctx, name, { wake: false })),
    attach: (name) => after(o.attach(name)),
    broadcast: (b) => after(o.broadcast(b)),
    resolveSelectors: (selectors, marked) => {
      const r = resolveSelectors(selectors, rowsForSelectors(o.store), marked);
      return { names: r.names, unknown: r.problems.map((p) => `${p.selector} (${p.message})`) };
    },
    quit: o.quit,
  };
}
