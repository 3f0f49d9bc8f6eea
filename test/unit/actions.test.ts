import { describe, expect, it } from 'vitest';
import { createActions } from '../../src/actions.js';
import { fakeOps, makeStore, spec } from '../render/fixtures.js';

const setup = (o: { readOnly?: boolean } = {}) => {
  const store = makeStore([spec('a', { class: 'x' }), spec('b', { class: 'x' }), spec('c')], { live: ['a'], readOnly: o.readOnly ?? false });
  const ops = fakeOps(() => store);
  const actions = createActions(store, ops, () => 0);
  const toasts = () => store.getState().ui.toasts.map((t) => `${t.level}: ${t.text}`);
  return { store, ops, actions, toasts };
};

describe('actions', () => {
  it('an op that throws becomes an error toast; nothing escapes', async () => {
    const { ops, actions, toasts } = setup();
    ops.wake = async () => {
      throw new Error('tmux \u001b[2Jexploded');
    };
    expect(() => actions.run('wake')).not.toThrow();
    await actions.idle();
    expect(toasts()).toEqual(['error: wake a: failed — tmux exploded']);
  });

  it('a broadcast that throws halfway marks the run finished and says why', async () => {
    const { store, ops, actions, toasts } = setup();
    ops.broadcast = async ({ onResult }) => {
      onResult('a', { state: 'delivered' });
      throw new Error('ledger is locked');
    };
    store.dispatch({ type: 'prompt-open', targets: 'a b' }, { type: 'input', text: 'go' });
    actions.run('prompt.send');
    expect(store.getState().ui.confirm).toMatchObject({ kind: 'broadcast', targets: ['a', 'b'], text: 'go' });
    actions.run('confirm.yes');
    await actions.idle();
    expect(store.getState().run).toMatchObject({ total: 2, done: 1, finished: true });
    expect(store.getState().deliveries.get('a')).toEqual({ state: 'delivered', reason: undefined });
    expect(store.getState().deliveries.get('b')).toEqual({ state: 'pending' });
    expect(toasts()).toContain('error: broadcast failed: ledger is locked');
    // the prompt was cleared after sending
    expect(store.getState().ui.promptText).toBe('');
  });

  it('q during a running broadcast asks for a second q', () => {
    const { store, ops, actions, toasts } = setup();
    store.dispatch({ type: 'run', run: { text: 'x', total: 3, done: 1, startedAt: 0, finished: false } });
    actions.run('quit');
    expect(ops.quitCalled).toBe(0);
    expect(toasts().at(-1)).toMatch(/a broadcast is still sending \(1\/3\): q again quits/);
    actions.run('quit');
    expect(ops.quitCalled).toBe(1);
  });

  it('command mode verbs and their aliases; :mark marks a selection; :sort; :filter; :q', () => {
    const { store, ops, actions, toasts } = setup();
    actions.runCommand('mark class:x');
    expect([...store.getState().ui.marks]).toEqual(['a', 'b']);
    actions.runCommand('sort name');
    expect(store.getState().ui.sort).toBe('name');
    actions.runCommand('sort sideways');
    expect(toasts().at(-1)).toBe('error: :sort takes state, name or activity');
    actions.runCommand('filter class:x');
    expect(store.getState().ui.filter).toBe('class:x');
    expect(store.getState().ui.mode).toBe('grid');
    actions.runCommand('r');
    expect(store.getState().ui.confirm).toMatchObject({ kind: 'reset', targets: ['a', 'b'] });
    actions.run('confirm.no');
    actions.runCommand('   ');
    expect(store.getState().ui.mode).toBe('grid');
    actions.runCommand('q');
    expect(ops.quitCalled).toBe(1);
  });

  it('read-only refuses dangerous verbs from every door', () => {
    const { store, ops, actions, toasts } = setup({ readOnly: true });
    actions.run('reset');
    actions.run('stop');
    actions.run('prompt.open');
    actions.runCommand('stop all');
    actions.runCommand('broadcast all');
    expect(store.getState().ui.mode).toBe('grid');
    expect(ops.calls).toEqual([]);
    expect(toasts().every((t) => t.startsWith('error:') && t.includes('read-only'))).toBe(true);
    expect(toasts().length).toBeGreaterThanOrEqual(3);
  });

  it('keys typed in text modes are inserted, control bytes dropped', () => {
    const { store, actions } = setup();
    actions.onChord(':');
    actions.onInput('wake\u0007 a', {});
    expect(store.getState().ui.input).toBe('wake a');
    actions.onInput('', { return: true });
    expect(store.getState().ui.mode).toBe('grid');
  });
});

describe('the real ops: selector resolution over the grid rows', () => {
  it('resolves class/tag/state/@marked/globs against the store, never strays, and explains what matched nothing', async () => {
    const { realOps } = await import('../../src/cockpit/ops.js');
    const { pane } = await import('../render/fixtures.js');
    const { store } = setup();
    store.dispatch({ type: 'tmux', obs: { server: 'up', at: 0, panes: new Map([['a', pane('a')], ['stray1', pane('stray1')]]) } });
    const ops = realOps({
      ctx: {} as never,
      store,
      attach: async () => undefined,
      broadcast: async () => undefined,
      quit: () => undefined,
      changed: () => undefined,
    });
    expect(ops.resolveSelectors(['class:x'], []).names).toEqual(['a', 'b']);
    expect(ops.resolveSelectors(['@marked'], ['c']).names).toEqual(['c']);
    expect(ops.resolveSelectors(['state:idle'], []).names).toEqual(['a']);
    expect(ops.resolveSelectors(['*'], []).names).toEqual(['a', 'b', 'c']);
    const r = ops.resolveSelectors(['stray1', 'nobody'], []);
    expect(r.names).toEqual([]);
    expect(r.unknown).toHaveLength(2);
    expect(r.unknown[0]).toContain('stray');
    expect(r.unknown[1]).toContain('nobody');
  });
});
