import { afterEach, describe, expect, it } from 'vitest';
import { cleanup } from 'ink-testing-library';
import { KEY, NOW, makeStore, mount, pane, spec, tick, transcript } from './fixtures.js';

afterEach(() => cleanup());

const crew = () => [
  spec('coder0', { class: 'implementer', tags: ['api'] }),
  spec('coder1', { class: 'implementer', tags: ['web'] }),
  spec('reviewer', { class: 'reviewer' }),
  spec('ops', { managed: 'external' }),
];

describe('grid', () => {
  it('shows header counts, socket, role, every column, and state words that read without colour', async () => {
    const m = mount(makeStore(crew(), { live: ['coder0', 'coder1'], busy: ['coder0'] }));
    await tick();
    const f = m.frame();
    expect(f).toMatch(/fleet fleet-test viewer │ 4 agents busy:1 idle:1 asleep:1 external:1 │ 10:00|fleet fleet-test viewer/);
    expect(f).toContain('busy:1');
    expect(f).toContain('idle:1');
    for (const col of ['NAME', 'RUNTIME', 'STATE', 'SINCE', 'ACTIV', 'CLASS/TAGS', 'CWD', 'LAST TASK']) expect(f).toContain(col);
    const line = (n: string) => f.split('\n').find((l) => l.includes(` ${n} `))!;
    expect(line('coder0')).toMatch(/coder0\s+claude\s+busy\s+now\s+now\s+implementer #api\s+…src\/coder0/);
    expect(line('coder1')).toMatch(/idle\s+\d+m\s+5m/);
    expect(line('reviewer')).toMatch(/asleep/);
    expect(line('ops')).toMatch(/external/);
    // sorted by state: busy before idle before asleep before external
    expect(f.indexOf('coder0')).toBeLessThan(f.indexOf('coder1'));
    expect(f.indexOf('coder1')).toBeLessThan(f.indexOf('reviewer'));
    expect(f.indexOf('reviewer')).toBeLessThan(f.indexOf(' ops '));
  });

  it('the footer lists the keys of the current mode from the key table', async () => {
    const m = mount(makeStore(crew()));
    await tick();
    expect(m.frame()).toMatch(/\[grid\] ⏎ attach {2}w wake {2}r reset {2}s stop/);
    await m.keys('/');
    expect(m.frame()).toContain('[filter] ⏎ keep filter  esc clear filter');
    await m.keys(KEY.esc, ':');
    expect(m.frame()).toContain('[command] ⏎ run  esc cancel');
  });

  it('j/k/arrows/g/G move the selection (shown inverse)', async () => {
    const m = mount(makeStore(crew(), { live: ['coder0', 'coder1'] }));
    await tick();
    const sel = () => m.store.getState().ui.selected;
    expect(sel()).toBe('coder0');
    await m.keys('j');
    expect(sel()).toBe('coder1');
    await m.keys(KEY.down);
    expect(sel()).toBe('reviewer');
    await m.keys('k', KEY.up);
    expect(sel()).toBe('coder0');
    await m.keys('G');
    expect(sel()).toBe('ops');
    await m.keys('g');
    expect(sel()).toBe('coder0');
    // the selected line is marked with › (and drawn inverse where colour is on)
    expect(m.frame()).toMatch(/^› {2}coder0/m);
    expect(m.frame()).not.toMatch(/^› {2}coder1/m);
  });

  it('Space marks and moves down, a marks all visible, A clears; marks show as ●', async () => {
    const m = mount(makeStore(crew()));
    await tick();
    await m.keys(' ');
    expect([...m.store.getState().ui.marks]).toEqual(['coder0']);
    expect(m.frame()).toMatch(/● coder0/);
    expect(m.frame()).toContain('1 marked');
    await m.keys('/', 'coder', KEY.enter, 'a');
    expect([...m.store.getState().ui.marks].sort()).toEqual(['coder0', 'coder1']);
    await m.keys('A');
    expect(m.store.getState().ui.marks.size).toBe(0);
    expect(m.frame()).not.toContain('●');
  });

  it('/ filters live by name, class:, tag:, state:; Enter keeps it, Esc clears it', async () => {
    const m = mount(makeStore(crew(), { live: ['coder0'] }));
    await tick();
    await m.keys('/', 'tag:web');
    let f = m.frame();
    expect(f).toContain('/tag:web');
    expect(f).toContain('coder1');
    expect(f).not.toContain('coder0 ');
    await m.keys(KEY.enter);
    f = m.frame();
    expect(f).toContain('filter: tag:web');
    expect(m.store.getState().ui.mode).toBe('grid');
    await m.keys('/', KEY.backspace.repeat(7), 'class:reviewer', KEY.enter);
    expect(m.frame()).toContain('reviewer');
    expect(m.frame()).not.toContain('coder1 ');
    await m.keys('/', KEY.backspace.repeat(14), 'state:idle', KEY.enter);
    expect(m.frame()).toContain('coder0');
    expect(m.frame()).not.toContain('reviewer ');
    await m.keys(KEY.esc);
    expect(m.store.getState().ui.filter).toBe('');
    expect(m.frame()).toContain('reviewer');
    await m.keys('/', 'zzz');
    expect(m.frame()).toContain('no agent matches the filter "zzz"');
  });

  it('o cycles the sort: state → name → activity', async () => {
    const store = makeStore([spec('b'), spec('a'), spec('c')], { live: ['b', 'c'], busy: ['c'] });
    const m = mount(store);
    await tick();
    const order = () => m.frame().split('\n').filter((l) => /^[ ›][ ●] [abc] /.test(l)).map((l) => l.slice(3).split(/\s+/)[0]);
    expect(order()).toEqual(['c', 'b', 'a']);
    await m.keys('o');
    expect(m.store.getState().ui.sort).toBe('name');
    expect(order()).toEqual(['a', 'b', 'c']);
    await m.keys('o');
    expect(m.store.getState().ui.sort).toBe('activity');
    expect(order()).toEqual(['c', 'b', 'a']);
  });

  it('virtualises: with 500 agents only the rows that fit are rendered, PgDn/PgUp page through', async () => {
    const many = Array.from({ length: 500 }, (_, i) => spec(`agent${String(i).padStart(3, '0')}`));
    const m = mount(makeStore(many, { rows: 30 }));
    await tick();
    const rows = () => m.frame().split('\n').filter((l) => /agent\d{3}/.test(l));
    expect(rows().length).toBeLessThanOrEqual(26);
    expect(rows().length).toBeGreaterThan(10);
    expect(m.frame()).toContain('agent000');
    expect(m.frame()).not.toContain('agent100');
    await m.keys(KEY.pageDown);
    const sel = m.store.getState().ui.selected!;
    expect(sel).not.toBe('agent000');
    expect(m.frame()).toContain(sel);
    await m.keys('G');
    expect(m.frame()).toContain('agent499');
    expect(m.frame()).not.toContain('agent000');
    expect(rows().length).toBeLessThanOrEqual(26);
    await m.keys(KEY.pageUp, 'g');
    expect(m.frame()).toContain('agent000');
  });

  it('an unchanged fleet does not re-render: a batch that changes nothing visible writes no frame', async () => {
    const store = makeStore(crew(), { live: ['coder0'] });
    const m = mount(store);
    await tick();
    const frames = m.frames.length;
    // the same observation again, and a clock tick that changes no coarse age
    store.push({ type: 'tmux', obs: { server: 'up', at: NOW, panes: new Map([['coder0', pane('coder0')]]) } });
    store.push({ type: 'tick', now: NOW + 2000 });
    store.flush();
    await tick(50);
    expect(m.frames.length).toBe(frames);
    // a change that is visible does render
    store.push({ type: 'transcript', name: 'coder0', obs: transcript(NOW + 1000) });
    store.flush();
    await tick(50);
    expect(m.frames.length).toBeGreaterThan(frames);
    expect(m.frame()).toMatch(/coder0\s+claude\s+busy/);
  });
});
