import os from 'node:os';
import { openContext } from '../context.js';
import { createFleetStore, initialState } from '../store/index.js';
import { ControlClient } from '../tmux/control.js';

/**
 * The headless fleet pipeline the benchmark measures as "fleet": the real roster loader, tmux client
 * (list-panes polling) or control-mode connection, and the real store (batched reducer + row derivation)
 * with a 1 s clock tick — everything the cockpit runs except the React frame.
 * Prints "ready" once the first observation is in the store; exits on SIGTERM.
 */
export async function runWatchChild(o: { source: 'poll' | 'control'; roster: string; socket: string; stateDir: string; intervalMs: number; reconcileMs: number }): Promise<void> {
  const ctx = openContext({ roster: o.roster, socket: o.socket, stateDir: o.stateDir });
  const store = createFleetStore(initialState({ socket: o.socket, home: os.homedir(), now: Date.now() }), { batchMs: 250 });
  store.push({ type: 'roster', roster: ctx.roster });
  const timers: NodeJS.Timeout[] = [];
  let inFlight = false;
  let ctl: ControlClient | null = null;
  const observe = async (): Promise<void> => {
    if (inFlight) return; // never overlap a refresh
    inFlight = true;
    try {
      const obs = ctl ? await ctl.observe() : await ctx.tmux.observe();
      store.push({ type: 'tmux', obs });
    } finally {
      inFlight = false;
    }
  };
  if (o.source === 'control') {
    ctl = new ControlClient(o.socket);
    await ctl.connect();
    let pending: NodeJS.Timeout | undefined;
    ctl.onEvent((e) => {
      if (e.kind === 'disconnected' || pending) return;
      pending = setTimeout(() => {
        pending = undefined;
        void observe();
      }, 50);
    });
    timers.push(setInterval(() => void observe(), o.reconcileMs));
  } else {
    timers.push(setInterval(() => void observe(), o.intervalMs));
  }
  timers.push(setInterval(() => store.push({ type: 'tick', now: Date.now() }), 1000));
  await observe();
  store.flush();
  process.stdout.write(`ready ${store.getState().order.length}\n`);
  const stop = async (): Promise<void> => {
    for (const t of timers) clearInterval(t);
    store.dispose();
    await ctl?.close();
    process.exit(0);
  };
  process.on('SIGTERM', () => void stop());
  process.on('SIGINT', () => void stop());
}
