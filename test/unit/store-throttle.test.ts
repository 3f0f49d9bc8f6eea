import { describe, expect, it } from 'vitest';
import { createFleetStore, initialState } from '../../src/store/index.js';
import { waitFor } from '../helpers/tmux.js';
import { NOW, pane, roster, spec, transcript } from '../render/fixtures.js';

// Transcript write → state on screen ≤ 300 ms p95 (issue 8) with ≈ 4 data updates a second: the batch
// window throttles (leading edge) instead of delaying every isolated change by a whole window.
describe('store batching is a throttle', () => {
  it('applies the first event after a quiet window at once, and holds later ones for the rest of the window', async () => {
    const store = createFleetStore(initialState({ socket: 's', home: '/h', now: NOW }), { batchMs: 60_000 });
    store.dispatch({ type: 'roster', roster: roster([spec('a')]) }, { type: 'tmux', obs: { server: 'up', at: NOW, panes: new Map([['a', pane('a')]]) } });
    store.push({ type: 'transcript', name: 'a', obs: transcript(NOW - 1) });
    store.push({ type: 'tick', now: NOW });
    expect(store.batches).toBe(0); // never synchronously: pushes in one turn share one batch
    // A 60 s window: if batching delayed instead of throttled, this would time out.
    await waitFor(() => store.batches === 1, { timeoutMs: 5000, what: 'the leading-edge batch' });
    expect(store.getState().rowMap.get('a')!.state).toBe('busy');
    store.push({ type: 'tick', now: NOW + 20_000 });
    await new Promise((r) => setTimeout(r, 50)); // the window is 60 s: nothing may apply in the meantime
    expect(store.batches).toBe(1);
    expect(store.getState().now).toBe(NOW);
    store.flush();
    expect(store.batches).toBe(2);
    expect(store.getState().now).toBe(NOW + 20_000);
    store.dispose();
  });
});
