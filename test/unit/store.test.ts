import { describe, expect, it } from 'vitest';
import { createFleetStore, initialState } from '../../src/store/index.js';
import { waitFor } from '../helpers/tmux.js';
import { NOW, pane, roster, spec, transcript } from '../render/fixtures.js';

describe('the store', () => {
  it('batches watcher events into ONE setState per window, while dispatch applies at once', async () => {
    const store = createFleetStore(initialState({ socket: 's', home: '/h', now: NOW }), { batchMs: 30 });
    let notified = 0;
    store.api.subscribe(() => notified++);
    store.push({ type: 'roster', roster: roster([spec('a'), spec('b')]) });
    store.push({ type: 'tmux', obs: { server: 'up', at: NOW, panes: new Map([['a', pane('a')]]) } });
    for (let i = 0; i < 50; i++) store.push({ type: 'transcript', name: 'a', obs: transcript(NOW - i) });
    expect(notified).toBe(0);
    await waitFor(() => notified > 0, { timeoutMs: 5000 });
    expect(notified).toBe(1);
    expect(store.batches).toBe(1);
    expect(store.getState().rowMap.get('a')!.state).toBe('busy');
    store.dispatch({ type: 'cursor', delta: 1 });
    expect(notified).toBe(2);
    expect(store.getState().ui.selected).toBe('b');
    store.dispose();
  });

  it('throttles with a leading edge: an isolated change lands at once, a stream at most once per window', async () => {
    const store = createFleetStore(initialState({ socket: 's', home: '/h', now: NOW }), { batchMs: 400 });
    store.dispatch({ type: 'roster', roster: roster([spec('a')]) });
    const t0 = Date.now();
    store.push({ type: 'transcript', name: 'a', obs: transcript(NOW - 5) });
    await waitFor(() => store.batches === 1, { timeoutMs: 5000 });
    expect(Date.now() - t0).toBeLessThan(300);
    store.push({ type: 'transcript', name: 'a', obs: transcript(NOW - 4) });
    store.push({ type: 'transcript', name: 'a', obs: transcript(NOW - 3) });
    await waitFor(() => store.batches === 2, { timeoutMs: 5000 });
    // never two data updates within the window
    expect(Date.now() - t0).toBeGreaterThanOrEqual(390);
    store.dispose();
  });

  it('a batch that changes nothing visible keeps every derived slice; a no-op UI event does not notify', () => {
    const store = createFleetStore(initialState({ socket: 's', home: '/h', now: NOW }), { batchMs: 1000 });
    store.dispatch({ type: 'roster', roster: roster([spec('a')]) }, { type: 'tmux', obs: { server: 'up', at: NOW, panes: new Map([['a', pane('a')]]) } });
    const before = store.getState();
    store.push({ type: 'tmux', obs: { server: 'up', at: NOW + 500, panes: new Map([['a', pane('a')]]) } });
    store.push({ type: 'tick', now: NOW + 900 });
    store.flush();
    const after = store.getState();
    expect(after.rowMap).toBe(before.rowMap);
    expect(after.order).toBe(before.order);
    expect(after.ui).toBe(before.ui);
    let notified = 0;
    store.api.subscribe(() => notified++);
    store.dispatch({ type: 'mark-clear' });
    store.dispatch({ type: 'resize', cols: after.cols, rows: after.rows });
    expect(notified).toBe(0);
    store.dispose();
  });
});
