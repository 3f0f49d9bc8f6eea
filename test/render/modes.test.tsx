import { afterEach, describe, expect, it } from 'vitest';
import { cleanup } from 'ink-testing-library';
import { KEY, NOW, makeStore, mount, pane, spec, tick } from './fixtures.js';

afterEach(() => cleanup());

const crew = () => [
  spec('coder0', { class: 'implementer', tags: ['api'] }),
  spec('coder1', { class: 'implementer', tags: ['api'] }),
  spec('rev0', { class: 'reviewer' }),
  spec('rev1', { class: 'reviewer' }),
];

describe('actions from keys', () => {
  it('w wakes the selected agent and the result shows as a toast', async () => {
    const m = mount(makeStore(crew()));
    await tick();
    await m.keys('w');
    await m.actions.idle();
    await tick();
    expect(m.ops.calls).toEqual(['wake coder0']);
    expect(m.frame()).toContain('✓ wake coder0: ready');
  });

  it('w with marks wakes every marked agent; S starts; failures become error toasts, never crashes', async () => {
    const m = mount(makeStore(crew()));
    m.ops.fail.add('coder1');
    await tick();
    await m.keys(' ', ' ', 'w');
    await m.actions.idle();
    await tick();
    expect(m.ops.calls.sort()).toEqual(['wake coder0', 'wake coder1']);
    const f = m.frame();
    expect(f).toMatch(/✗ wake coder1: failed — wake broke on purpose|wake: 1 done, 1 failed/);
    // the failure text came from "the agent": its OSC 52 was stripped
    expect(m.store.getState().ui.toasts.some((t) => t.text.includes('wake coder1: failed — wake broke on purpose'))).toBe(true);
    expect(m.lastFrame()).not.toContain('\u001b]52');
    await m.keys('A', 'S');
    await m.actions.idle();
    expect(m.ops.calls).toContain('start rev0');
  });

  it('r and s confirm with the exact target list; y runs, n/Esc cancels', async () => {
    const m = mount(makeStore(crew()));
    await tick();
    await m.keys(' ', ' ', 'r');
    const f = m.frame();
    expect(f).toContain('Reset 2 agents?');
    expect(f).toMatch(/│ coder0 +│ asleep +│ reset +│/);
    expect(f).toMatch(/│ coder1 +│ asleep +│ reset +│/);
    expect(m.store.getState().ui.mode).toBe('confirm');
    await m.keys('n');
    expect(m.store.getState().ui.mode).toBe('grid');
    expect(m.ops.calls).toEqual([]);
    await m.keys('s');
    expect(m.frame()).toContain('Stop 2 agents?');
    await m.keys(KEY.esc);
    expect(m.ops.calls).toEqual([]);
    await m.keys('r', 'y');
    await m.actions.idle();
    expect(m.ops.calls.sort()).toEqual(['reset coder0', 'reset coder1']);
    await m.keys('s', KEY.enter);
    await m.actions.idle();
    expect(m.ops.calls.filter((c) => c.startsWith('stop')).sort()).toEqual(['stop coder0', 'stop coder1']);
  });

  it('--read-only hides dangerous actions: no r/s/b in footer or help, the keys do nothing', async () => {
    const m = mount(makeStore(crew(), { readOnly: true }));
    await tick();
    const f = m.frame();
    expect(f).toContain('read-only');
    expect(f).not.toMatch(/r reset|s stop|b broadcast/);
    await m.keys('r', 's', 'b');
    expect(m.store.getState().ui.mode).toBe('grid');
    await m.keys(':', 'reset all', KEY.enter);
    await m.actions.idle();
    expect(m.ops.calls).toEqual([]);
    expect(m.frame()).toContain('reset is disabled in --read-only mode');
    await m.keys('?');
    expect(m.frame()).not.toMatch(/^\s+r\s+reset|\bs\s+stop|broadcast !|:reset SEL/m);
    expect(m.frame()).toContain('wake');
  });

  it('Enter attaches to the selected agent and the grid comes back with selection and marks intact', async () => {
    const m = mount(makeStore(crew(), { live: ['coder0'] }));
    await tick();
    await m.keys(' ', 'j', KEY.enter);
    await m.actions.idle();
    expect(m.ops.calls).toEqual(['attach rev0']);
    expect(m.store.getState().ui.selected).toBe('rev0');
    expect([...m.store.getState().ui.marks]).toEqual(['coder0']);
    m.ops.fail.add('rev0');
    await m.keys(KEY.enter);
    await m.actions.idle();
    await tick();
    expect(m.frame()).toContain('✗ attach rev0: no such session');
  });

  it('? opens help generated from the key table; Esc closes it', async () => {
    const m = mount(makeStore(crew()));
    await tick();
    await m.keys('?');
    const f = m.frame();
    expect(f).toContain('Keys — Esc closes');
    for (const s of ['wake', 'reset !', 'stop !', 'mark all visible', 'clear marks', 'preview', 'new line']) expect(f).toContain(s);
    expect(f).toContain('[help]');
    await m.keys(KEY.esc);
    expect(m.store.getState().ui.mode).toBe('grid');
    expect(m.frame()).toContain('NAME');
  });

  it('q quits through the ops; Ctrl-C too', async () => {
    const m = mount(makeStore(crew()));
    await tick();
    await m.keys('q');
    expect(m.ops.quitCalled).toBe(1);
    await m.keys(KEY.ctrlC);
    expect(m.ops.quitCalled).toBe(2);
  });
});

describe('command mode', () => {
  it(':wake class:reviewer wakes the reviewers without asking', async () => {
    const m = mount(makeStore(crew()));
    await tick();
    await m.keys(':', 'wake class:reviewer');
    expect(m.frame()).toContain(':wake class:reviewer');
    await m.keys(KEY.enter);
    await m.actions.idle();
    expect(m.ops.calls.sort()).toEqual(['wake rev0', 'wake rev1']);
  });

  it(':reset state:idle asks first, listing the idle agents', async () => {
    const m = mount(makeStore(crew(), { live: ['coder0', 'rev1'] }));
    await tick();
    await m.keys(':', 'reset state:idle', KEY.enter);
    expect(m.frame()).toContain('Reset 2 agents?');
    expect(m.frame()).toMatch(/│ coder0 +│ idle +│ reset/);
    expect(m.frame()).toMatch(/│ rev1 +│ idle +│ reset/);
    expect(m.frame()).not.toMatch(/│ coder1 /);
    await m.keys('y');
    await m.actions.idle();
    expect(m.ops.calls.sort()).toEqual(['reset coder0', 'reset rev1']);
  });

  it(':broadcast tag:api opens the prompt bar aimed at the selector; unknown commands are a toast', async () => {
    const m = mount(makeStore(crew()));
    await tick();
    await m.keys(':', 'broadcast tag:api', KEY.enter);
    expect(m.store.getState().ui.mode).toBe('prompt');
    expect(m.frame()).toContain('to: tag:api');
    await m.keys(KEY.esc, ':', 'frobnicate', KEY.enter);
    expect(m.frame()).toContain('unknown command :frobnicate');
    await m.keys(':', 'wake nobody', KEY.enter);
    await m.actions.idle();
    expect(m.frame()).toContain('wake: no agent matches (nobody)');
    expect(m.ops.calls).toEqual([]);
  });
});

describe('prompt bar and broadcast', () => {
  it('a confirmation for many targets lists every name compactly instead of a table', async () => {
    const many = Array.from({ length: 12 }, (_, i) => spec(`w${String(i).padStart(2, '0')}`));
    const m = mount(makeStore(many));
    await tick();
    await m.keys('a', 'r');
    const f = m.frame();
    expect(f).toContain('Reset 12 agents?');
    expect(f).toMatch(/w00\s+w01\s+w02/);
    expect(f).toContain('w11');
    expect(f).not.toContain('│ w00');
  });

  it('types a multi-line task (Ctrl-J), targets the marked agents, confirms with the list, shows results per row and progress', async () => {
    const store = makeStore(crew());
    const m = mount(store);
    m.ops.results.set('coder1', { state: 'deferred', reason: 'composer holds a draft' });
    await tick();
    await m.keys(' ', ' ', 'b');
    expect(m.frame()).toContain('to: @marked');
    await m.keys('fix the build', KEY.ctrlJ, 'then run tests');
    expect(store.getState().ui.promptText).toBe('fix the build\nthen run tests');
    expect(m.frame()).toContain('then run tests');
    await m.keys(KEY.enter);
    const f = m.frame();
    expect(f).toContain('Send to 2 agents?');
    expect(f).toMatch(/│ coder0 +│ asleep +│ wake, then send +│/);
    expect(f).toMatch(/│ coder1 +│ asleep +│ wake, then send +│/);
    expect(f).toContain('task: fix the build⏎ then run tests');
    await m.keys('y');
    await m.actions.idle();
    await tick();
    expect(m.ops.calls).toEqual(['broadcast coder0,coder1 "fix the build\\nthen run tests"']);
    const g = m.frame();
    expect(g).toMatch(/coder0 .*✓ delivered/);
    expect(g).toMatch(/coder1 .*⏸ deferred: compos/);
    expect(m.store.getState().deliveries.get('coder1')).toEqual({ state: 'deferred', reason: 'composer holds a draft' });
    expect(g).toContain('broadcast 2/2 done');
    expect(g).toMatch(/broadcast run-1: 1 delivered, 1 deferred/);
    // Esc clears the results
    await m.keys(KEY.esc);
    expect(m.frame()).not.toContain('✓ delivered');
  });

  it('without marks targets the selection; Tab edits the targets (a selector typed in the bar)', async () => {
    const m = mount(makeStore(crew()));
    await tick();
    await m.keys('j', 'b');
    expect(m.frame()).toContain('to: coder1');
    await m.keys(KEY.tab, KEY.backspace.repeat(6), 'class:reviewer', KEY.tab, 'review please', KEY.enter);
    expect(m.frame()).toContain('Send to 2 agents?');
    expect(m.frame()).toMatch(/│ rev0 +│/);
    expect(m.frame()).toMatch(/│ rev1 +│/);
    await m.keys(KEY.esc);
    // back in the prompt with the text kept
    expect(m.store.getState().ui.mode).toBe('prompt');
    expect(m.store.getState().ui.promptText).toBe('review please');
    await m.keys(KEY.enter, 'y');
    await m.actions.idle();
    expect(m.ops.calls).toEqual(['broadcast rev0,rev1 "review please"']);
  });

  it('refuses an empty task or targets that match nothing, with a toast', async () => {
    const m = mount(makeStore(crew()));
    await tick();
    await m.keys('b', KEY.enter);
    expect(m.frame()).toContain('broadcast: type a task first');
    await m.keys('x', KEY.tab, KEY.backspace.repeat(10), 'tag:nope', KEY.enter);
    expect(m.frame()).toContain('broadcast: no agent matches tag:nope');
    expect(m.ops.calls).toEqual([]);
  });

  it('a pasted chunk with keys inside is replayed key by key', async () => {
    const m = mount(makeStore(crew()));
    await tick();
    // "j", " ", "j", " " arriving in one read (fast typing / tmux send-keys)
    await m.keys('j j ');
    expect([...m.store.getState().ui.marks].sort()).toEqual(['coder1', 'rev1']);
    await m.keys('/rev\r');
    expect(m.store.getState().ui.filter).toBe('rev');
    expect(m.store.getState().ui.mode).toBe('grid');
  });
});

describe('preview, banners, toasts', () => {
  it('p toggles a preview of the selected pane', async () => {
    const store = makeStore(crew(), { live: ['coder0'] });
    const m = mount(store);
    await tick();
    await m.keys('p');
    expect(m.frame()).toContain('preview: coder0');
    store.push({ type: 'preview', name: 'coder0', text: 'hello from the pane\n│ > draft │\n' });
    store.flush();
    await tick();
    expect(m.frame()).toContain('hello from the pane');
    await m.keys('p');
    expect(m.frame()).not.toContain('hello from the pane');
  });

  it('tmux server down shows a banner and it goes away when the server is back', async () => {
    const store = makeStore(crew(), { live: ['coder0'] });
    const m = mount(store);
    await tick();
    store.push({ type: 'tmux', obs: { server: 'down', at: NOW, reason: 'tmux list-panes timed out' } });
    store.flush();
    await tick();
    expect(m.frame()).toContain('tmux server down: tmux list-panes timed out');
    store.push({ type: 'tmux', obs: { server: 'up', at: NOW, panes: new Map([['coder0', pane('coder0')]]) } });
    store.flush();
    await tick();
    expect(m.frame()).not.toContain('tmux server down');
    expect(m.frame()).toMatch(/coder0\s+claude\s+idle/);
  });

  it('a bad roster edit shows the error and keeps the last good roster', async () => {
    const store = makeStore(crew());
    const m = mount(store);
    await tick();
    store.push({ type: 'roster-error', message: 'invalid roster /tmp/fleet.yaml:\n  /tmp/fleet.yaml:3:5: agents.0.name: bad' });
    store.flush();
    await tick();
    const f = m.frame();
    expect(f).toContain('roster error (keeping the last good roster)');
    expect(f).toContain('/tmp/fleet.yaml:3:5: agents.0.name: bad');
    expect(f).toContain('coder0');
    expect(f).toContain('rev1');
  });
});
