import { describe, expect, it } from 'vitest';
import { coarseAge, initialState, reduce, shortenCwd, visibleNames, gridHeight, actionTargets, type CockpitState } from '../../src/store/index.js';
import { NOW, pane, roster, spec, transcript } from '../render/fixtures.js';

function base(names: string[], o: { live?: string[]; rows?: number } = {}): CockpitState {
  const s0 = initialState({ socket: 's', home: '/home/op', now: NOW, rows: o.rows ?? 30, cols: 100 });
  return reduce(s0, [
    { type: 'roster', roster: roster(names.map((n) => spec(n, { class: n.startsWith('r') ? 'reviewer' : 'implementer', tags: n.endsWith('0') ? ['api'] : [] }))) },
    { type: 'tmux', obs: { server: 'up', at: NOW, panes: new Map((o.live ?? []).map((n) => [n, pane(n)])) } },
  ]);
}

describe('coarse ages and paths', () => {
  it('ages change only at coarse steps', () => {
    expect(coarseAge(null, NOW)).toBe('-');
    expect(coarseAge(NOW - 9_999, NOW)).toBe('now');
    expect(coarseAge(NOW - 10_000, NOW)).toBe('10s');
    expect(coarseAge(NOW - 59_000, NOW)).toBe('50s');
    expect(coarseAge(NOW - 61_000, NOW)).toBe('1m');
    expect(coarseAge(NOW - 3 * 3600_000, NOW)).toBe('3h');
    expect(coarseAge(NOW - 3 * 86400_000, NOW)).toBe('3d');
    expect(coarseAge(NOW + 5000, NOW)).toBe('now');
  });
  it('cwd under home is shortened to ~, and sanitised', () => {
    expect(shortenCwd('/home/op/src/x', '/home/op')).toBe('~/src/x');
    expect(shortenCwd('/home/opx/y', '/home/op')).toBe('/home/opx/y');
    expect(shortenCwd('/tmp/\u001b]0;t\u0007x', '/home/op')).toBe('/tmp/x');
    expect(shortenCwd(null, '/h')).toBeNull();
  });
});

describe('rows derived in the reducer', () => {
  it('derives states for roster agents and strays; never the holder', () => {
    const s = reduce(base(['a', 'b'], { live: ['a'] }), [
      { type: 'tmux', obs: { server: 'up', at: NOW, panes: new Map([['a', pane('a')], ['zz', pane('zz')], ['_holder', pane('_holder')]]) } },
    ]);
    expect([...s.rowMap.values()].map((r) => [r.name, r.state])).toEqual([
      ['a', 'idle'],
      ['b', 'asleep'],
      ['zz', 'stray'],
    ]);
  });

  it('unchanged rows keep their identity; a batch that changes nothing keeps the maps', () => {
    const s1 = base(['a', 'b'], { live: ['a'] });
    const s2 = reduce(s1, [{ type: 'tmux', obs: { server: 'up', at: NOW + 1, panes: new Map([['a', pane('a')]]) } }]);
    expect(s2.rowMap).toBe(s1.rowMap);
    expect(s2.order).toBe(s1.order);
    const s3 = reduce(s2, [{ type: 'transcript', name: 'a', obs: transcript(NOW - 500) }]);
    expect(s3.rowMap).not.toBe(s2.rowMap);
    expect(s3.rowMap.get('a')!.state).toBe('busy');
    expect(s3.rowMap.get('b')).toBe(s2.rowMap.get('b'));
  });

  it('an observation equal to the last one (new objects, later time) keeps the whole state: nothing re-derives or re-renders', () => {
    const s1 = base(['a', 'b'], { live: ['a', 'b'] });
    const same = { server: 'up' as const, at: NOW + 5000, panes: new Map([['a', pane('a')], ['b', pane('b')]]) };
    expect(reduce(s1, [{ type: 'tmux', obs: same }])).toBe(s1);
    const moved = { server: 'up' as const, at: NOW + 5000, panes: new Map([['a', pane('a', { attached: 1 })], ['b', pane('b')]]) };
    const s2 = reduce(s1, [{ type: 'tmux', obs: moved }]);
    expect(s2).not.toBe(s1);
    expect(s2.obs.tmux).toBe(moved);
    const down = reduce(s2, [{ type: 'tmux', obs: { server: 'down', at: NOW, reason: 'boom' } }]);
    expect(reduce(down, [{ type: 'tmux', obs: { server: 'down', at: NOW + 1, reason: 'boom' } }])).toBe(down);
    expect(reduce(down, [{ type: 'tmux', obs: { server: 'down', at: NOW + 1, reason: 'other' } }])).not.toBe(down);
    const scr = reduce(s2, [{ type: 'screens', screens: new Map([['a', { at: NOW, waiting: true, draft: false }]]) }]);
    expect(reduce(scr, [{ type: 'screens', screens: new Map([['a', { at: NOW, waiting: true, draft: false }]]) }])).toBe(scr);
    expect(reduce(scr, [{ type: 'screens', screens: new Map([['a', { at: NOW + 2000, waiting: true, draft: false }]]) }])).not.toBe(scr);
  });

  it('remembers when each state changed: time in state restarts on a change seen live', () => {
    const s1 = base(['a'], { live: ['a'] });
    const first = s1.stateChangedAt.get('a')!;
    expect(first.state).toBe('idle');
    const s2 = reduce(s1, [{ type: 'tick', now: NOW + 30_000 }, { type: 'transcript', name: 'a', obs: transcript(NOW + 29_000) }]);
    expect(s2.rowMap.get('a')!.state).toBe('busy');
    expect(s2.rowMap.get('a')!.stateSinceMs).toBe(NOW + 30_000);
    const s3 = reduce(s2, [{ type: 'tick', now: NOW + 75_000 }]);
    expect(s3.rowMap.get('a')!.state).toBe('idle');
    expect(s3.rowMap.get('a')!.stateSinceMs).toBe(NOW + 75_000);
    expect(s3.rowMap.get('a')!.sinceText).toBe('now');
    const s4 = reduce(s3, [{ type: 'tick', now: NOW + 75_000 + 125_000 }]);
    expect(s4.rowMap.get('a')!.sinceText).toBe('2m');
  });

  it('an idle agent first seen without its transcript is re-dated when the transcript arrives; then the age is stable', () => {
    // first frame: pane only, so the age comes from the pane
    const s1 = base(['a'], { live: ['a'] });
    expect(s1.rowMap.get('a')!.stateSinceMs).toBeGreaterThan(NOW - 2 * 3600_000);
    // the transcript scan lands: idle since its last turn, two hours ago
    const s2 = reduce(s1, [{ type: 'transcript', name: 'a', obs: { ...transcript(NOW - 2 * 3600_000), turnOpen: false } }]);
    expect(s2.rowMap.get('a')!.state).toBe('idle');
    expect(s2.rowMap.get('a')!.stateSinceMs).toBe(NOW - 2 * 3600_000);
    expect(s2.rowMap.get('a')!.sinceText).toBe('2h');
    // clock ticks keep everything (nothing to redraw on an idle fleet)
    const s3 = reduce(s2, [{ type: 'tick', now: NOW + 30_000 }]);
    expect(s3.rowMap).toBe(s2.rowMap);
    // a change seen live is not an estimate: it is never re-dated
    const s4 = reduce(s3, [{ type: 'transcript', name: 'a', obs: transcript(NOW + 29_000) }]);
    expect(s4.rowMap.get('a')!.state).toBe('busy');
    const s5 = reduce(s4, [{ type: 'tick', now: NOW + 120_000 }]);
    expect(s5.rowMap.get('a')!.state).toBe('idle');
    expect(s5.rowMap.get('a')!.stateSinceMs).toBe(NOW + 120_000);
    const s6 = reduce(s5, [{ type: 'transcript', name: 'a', obs: { ...transcript(NOW + 30_000), turnOpen: false } }]);
    expect(s6.rowMap.get('a')!.stateSinceMs).toBe(NOW + 120_000);
  });

  it('a state guessed from the pane alone (no transcript yet) is corrected, not restarted, when the transcript arrives', () => {
    // a pane that printed a moment ago, transcript not scanned yet: guessed busy
    const s0 = initialState({ socket: 's', home: '/home/op', now: NOW, rows: 30, cols: 100 });
    const s1 = reduce(s0, [
      { type: 'roster', roster: roster([spec('a')]) },
      { type: 'tmux', obs: { server: 'up', at: NOW, panes: new Map([['a', pane('a', { activityMs: NOW - 2000 })]]) } },
    ]);
    expect(s1.rowMap.get('a')!.state).toBe('busy');
    // the scan lands 3 s later: the last turn ended two hours ago — idle since then, not "now"
    const s2 = reduce(s1, [{ type: 'tick', now: NOW + 3000 }, { type: 'transcript', name: 'a', obs: { ...transcript(NOW - 2 * 3600_000), turnOpen: false } }]);
    expect(s2.rowMap.get('a')!.state).toBe('idle');
    expect(s2.rowMap.get('a')!.sinceText).toBe('2h');
    // from now on changes are seen live
    const s3 = reduce(s2, [{ type: 'tick', now: NOW + 10_000 }, { type: 'transcript', name: 'a', obs: transcript(NOW + 9_000) }]);
    expect(s3.rowMap.get('a')!.state).toBe('busy');
    expect(s3.rowMap.get('a')!.stateSinceMs).toBe(NOW + 10_000);
  });

  it('a busy agent writing again (same "now" on screen) keeps its row object: no redraw per write', () => {
    const s1 = reduce(base(['a'], { live: ['a'] }), [{ type: 'transcript', name: 'a', obs: transcript(NOW - 500) }]);
    const row = s1.rowMap.get('a')!;
    expect(row.state).toBe('busy');
    const s2 = reduce(s1, [{ type: 'transcript', name: 'a', obs: transcript(NOW - 100) }]);
    expect(s2.rowMap.get('a')).toBe(row);
    expect(s2.rowMap).toBe(s1.rowMap);
  });

  it('rows kept without deriving again (nothing they depend on moved) are exactly what deriving again gives: 2,000 random batches', () => {
    // A seeded generator: the same sequence every run, so a failure repeats.
    let seed = 12345;
    const rnd = (n: number): number => {
      seed = (seed * 1103515245 + 12345) & 0x7fffffff;
      return seed % n;
    };
    const names = Array.from({ length: 12 }, (_, i) => `a${i}`);
    let panes = new Map(names.slice(0, 8).map((n) => [n, pane(n)]));
    let s = base(names, { live: names.slice(0, 8) });
    let now = NOW;
    const shown = (st: CockpitState) => ({ order: st.order, rows: [...st.rowMap.entries()], changed: [...st.stateChangedAt.entries()] });
    for (let step = 0; step < 2000; step++) {
      const events: Parameters<typeof reduce>[1][number][] = [];
      for (let k = 1 + rnd(3); k > 0; k--) {
        const n = names[rnd(names.length)]!;
        switch (rnd(7)) {
          case 0:
          case 1:
            events.push({ type: 'transcript', name: n, obs: { ...transcript(now - rnd(120_000)), turnOpen: rnd(3) === 0 ? undefined : rnd(2) === 0 } });
            break;
          case 2: {
            panes = new Map([...panes].map(([m, p]) => [m, m === n ? pane(m, { activityMs: now - rnd(5_000), dead: rnd(10) === 0 }) : { ...p }]));
            if (rnd(4) === 0) panes.delete(n);
            else if (!panes.has(n)) panes.set(n, pane(n));
            events.push({ type: 'tmux', obs: { server: 'up', at: now, panes } });
            break;
          }
          case 3:
            events.push(rnd(6) === 0 ? { type: 'tmux', obs: { server: 'down', at: now, reason: 'no server' } } : { type: 'tmux', obs: { server: 'up', at: now, panes } });
            break;
          case 4:
            now += rnd(20_000);
            events.push({ type: 'tick', now });
            break;
          case 5: {
            const files = new Map(s.obs.files);
            files.set(n, { stopped: rnd(4) === 0, newMark: rnd(5) === 0, wake: rnd(2) === 0 ? null : { lastTask: `task ${rnd(9)}` } as never });
            events.push({ type: 'files', files });
            break;
          }
          default:
            events.push({ type: 'screens', screens: new Map([[n, { at: now, waiting: rnd(2) === 0, draft: rnd(3) === 0 } as never]]) });
        }
      }
      const memo = reduce(s, events);
      // The same previous state with fresh row objects: nothing is remembered for them, every row is derived.
      const fresh = reduce({ ...s, rowMap: new Map([...s.rowMap].map(([k, r]) => [k, { ...r }])) }, events);
      expect(shown(memo), `step ${step}`).toEqual(shown(fresh));
      s = memo;
    }
    expect(new Set([...s.rowMap.values()].map((r) => r.state)).size).toBeGreaterThan(2); // the walk went somewhere
  });

  it('a row shows its newest last task, sanitised, as the state files change', () => {
    let s = base(['a'], { live: ['a'] });
    for (const task of ['first task', 'second\u001b]52;c;eA==\u0007 task', 'first task']) {
      s = reduce(s, [{ type: 'files', files: new Map([['a', { stopped: false, newMark: false, wake: { lastTask: task } as never }]]) }]);
      expect(s.rowMap.get('a')!.lastTask).toBe(task.includes('second') ? 'second task' : task);
    }
    s = reduce(s, [{ type: 'files', files: new Map([['a', { stopped: false, newMark: false, wake: null }]]) }]);
    expect(s.rowMap.get('a')!.lastTask).toBeNull();
  });

  it('a clock tick that changes no shown age keeps every row', () => {
    const s1 = base(['a'], { live: ['a'] });
    const s2 = reduce(s1, [{ type: 'tick', now: NOW + 1000 }]);
    expect(s2.rowMap).toBe(s1.rowMap);
  });

  it('tmux down keeps the roster rows (asleep) and the banner reason; recovery restores states', () => {
    const s1 = base(['a'], { live: ['a'] });
    const s2 = reduce(s1, [{ type: 'tmux', obs: { server: 'down', at: NOW, reason: 'boom' } }]);
    expect(s2.obs.tmux).toEqual({ server: 'down', at: NOW, reason: 'boom' });
    expect(s2.rowMap.get('a')!.state).toBe('asleep');
    const s3 = reduce(s2, [{ type: 'tmux', obs: { server: 'up', at: NOW, panes: new Map([['a', pane('a')]]) } }]);
    expect(s3.rowMap.get('a')!.state).toBe('idle');
  });

  it('a roster error keeps the last good roster; a good one clears the error', () => {
    const s1 = base(['a', 'b']);
    const s2 = reduce(s1, [{ type: 'roster-error', message: 'bad' }]);
    expect(s2.rosterError).toBe('bad');
    expect(s2.order).toEqual(['a', 'b']);
    const s3 = reduce(s2, [{ type: 'roster', roster: roster([spec('c')]) }]);
    expect(s3.rosterError).toBeNull();
    expect(s3.order).toEqual(['c']);
  });
});

describe('ui state', () => {
  it('cursor moves clamp at the ends and keep the selection in the scroll window', () => {
    const names = Array.from({ length: 100 }, (_, i) => `a${String(i).padStart(2, '0')}`);
    let s = base(names, { rows: 20 });
    const h = gridHeight(s);
    expect(s.ui.selected).toBe('a00');
    s = reduce(s, [{ type: 'cursor', delta: -1 }]);
    expect(s.ui.selected).toBe('a00');
    s = reduce(s, [{ type: 'cursor', delta: h + 3 }]);
    expect(s.ui.selected).toBe(`a${String(h + 3).padStart(2, '0')}`);
    expect(s.ui.scrollTop).toBe(4);
    s = reduce(s, [{ type: 'cursor-to', where: 'bottom' }]);
    expect(s.ui.selected).toBe('a99');
    expect(s.ui.scrollTop).toBe(100 - h);
    s = reduce(s, [{ type: 'page', dir: -1 }]);
    expect(s.ui.selected).toBe(`a${99 - h}`);
    s = reduce(s, [{ type: 'cursor-to', where: 'top' }]);
    expect(s.ui.scrollTop).toBe(0);
  });

  it('the selection follows the agent across re-sorts, and falls back when it is filtered out', () => {
    let s = base(['b', 'a', 'c'], { live: ['c'] });
    s = reduce(s, [{ type: 'select', name: 'a' }, { type: 'sort', sort: 'name' }]);
    expect(visibleNames(s)).toEqual(['a', 'b', 'c']);
    expect(s.ui.selected).toBe('a');
    s = reduce(s, [{ type: 'mode', mode: 'filter' }, { type: 'input', text: 'c' }]);
    expect(s.ui.filter).toBe('c');
    expect(visibleNames(s)).toEqual(['c']);
    expect(s.ui.selected).toBe('c');
  });

  it('Esc backs out of every mode; in the grid it clears the filter, then the delivery results', () => {
    let s = base(['a', 'b']);
    for (const mode of ['filter', 'command', 'prompt', 'help'] as const) {
      s = reduce(s, [{ type: 'mode', mode }, { type: 'back' }]);
      expect(s.ui.mode, mode).toBe('grid');
    }
    s = reduce(s, [{ type: 'prompt-open' }, { type: 'confirm', request: { kind: 'broadcast', targets: ['a'], text: 'x' } }, { type: 'back' }]);
    expect(s.ui.mode).toBe('prompt');
    s = reduce(s, [{ type: 'back' }, { type: 'confirm', request: { kind: 'reset', targets: ['a'] } }, { type: 'back' }]);
    expect(s.ui.mode).toBe('grid');
    expect(s.ui.confirm).toBeNull();
    s = reduce(s, [{ type: 'mode', mode: 'filter' }, { type: 'input', text: 'a' }, { type: 'filter-apply' }, { type: 'delivery', name: 'a', mark: { state: 'delivered' } }]);
    s = reduce(s, [{ type: 'back' }]);
    expect(s.ui.filter).toBe('');
    expect(s.deliveries.size).toBe(1);
    s = reduce(s, [{ type: 'back' }]);
    expect(s.deliveries.size).toBe(0);
  });

  it('marks: toggle, all visible, clear; targets are the marks, else the selection', () => {
    let s = base(['a', 'b', 'c']);
    expect(actionTargets(s)).toEqual(['a']);
    s = reduce(s, [{ type: 'mark-toggle' }]);
    expect([...s.ui.marks]).toEqual(['a']);
    expect(s.ui.selected).toBe('b');
    s = reduce(s, [{ type: 'mark-toggle' }, { type: 'cursor', delta: -2 }, { type: 'mark-toggle' }]);
    expect([...s.ui.marks]).toEqual(['b']);
    expect(actionTargets(s)).toEqual(['b']);
    s = reduce(s, [{ type: 'mark-all-visible' }]);
    expect(actionTargets(s)).toEqual(['a', 'b', 'c']);
    s = reduce(s, [{ type: 'mark-clear' }]);
    expect(s.ui.marks.size).toBe(0);
  });

  it('prompt: text and targets fields, backspace by code point, newline kept', () => {
    let s = base(['a']);
    s = reduce(s, [{ type: 'prompt-open' }, { type: 'input', text: 'hé' }, { type: 'input', text: '\n' }, { type: 'input', text: 'x😀' }, { type: 'backspace' }]);
    expect(s.ui.promptText).toBe('hé\nx');
    expect(s.ui.promptTargets).toBe('a');
    s = reduce(s, [{ type: 'prompt-field' }, { type: 'input', text: ' tag:api' }]);
    expect(s.ui.promptTargets).toBe('a tag:api');
  });

  it('toasts are capped and expire', () => {
    let s = base(['a']);
    for (let i = 0; i < 6; i++) s = reduce(s, [{ type: 'toast', level: 'info', text: `t${i}`, now: NOW + i * 1000 }]);
    expect(s.ui.toasts.map((t) => t.text)).toEqual(['t2', 't3', 't4', 't5']);
    s = reduce(s, [{ type: 'toast-expire', now: NOW + 9000, ttlMs: 5000 }]);
    expect(s.ui.toasts.map((t) => t.text)).toEqual(['t5']);
  });

  it('resize changes the grid height and keeps the selection visible', () => {
    const names = Array.from({ length: 60 }, (_, i) => `a${String(i).padStart(2, '0')}`);
    let s = base(names, { rows: 40 });
    s = reduce(s, [{ type: 'cursor', delta: 30 }]);
    s = reduce(s, [{ type: 'resize', cols: 80, rows: 12 }]);
    const h = gridHeight(s);
    const idx = visibleNames(s).indexOf(s.ui.selected!);
    expect(idx).toBeGreaterThanOrEqual(s.ui.scrollTop);
    expect(idx).toBeLessThan(s.ui.scrollTop + h);
  });
});
