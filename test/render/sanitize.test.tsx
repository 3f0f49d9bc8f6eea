import { afterEach, describe, expect, it } from 'vitest';
import { cleanup } from 'ink-testing-library';
import { makeStore, mount, NOW, pane, spec, tick } from './fixtures.js';
import type { WakeRecord } from '../../src/domain/types.js';

afterEach(() => cleanup());

/** Known-evil sequences an agent could print to take over the operator's terminal. */
const EVIL = {
  osc52: '\u001b]52;c;cm0gLXJmIH4=\u0007', // write the clipboard
  osc52st: '\u001b]52;c;ZXZpbA==\u001b\\',
  osc8: '\u001b]8;;https://evil.example/\u0007click\u001b]8;;\u0007', // hyperlink
  title: '\u001b]0;pwned title\u0007', // window title
  title2: '\u001b]2;other title\u001b\\',
  csiCursor: '\u001b[2J\u001b[H\u001b[10;10H\u001b[?25l', // erase, home, move, hide cursor
  csiMode: '\u001b[?1049l\u001b[?1000h', // leave alt screen, mouse reporting
  cr: 'visible\roverwrite',
  bs: 'abc\b\b\bxyz',
  bel: 'ding\u0007dong',
  c1csi: '\u009b2J', // 8-bit CSI
  c1osc: '\u009d0;c1 title\u0007', // 8-bit OSC
  dcs: '\u001bPq#0;2;0;0;0\u001b\\', // sixel / DCS
};
const ALL = Object.values(EVIL).join(' ');

/** The bytes of every frame Ink wrote, minus the SGR colour codes Ink itself emits. */
function written(frames: readonly string[]): string {
  return frames.join('').replace(/\u001b\[[0-9;]*m/g, '');
}

function assertClean(out: string): void {
  expect(out).not.toMatch(/\u001b\]/); // OSC (52, 8, titles)
  expect(out).not.toMatch(/\u001bP/); // DCS
  expect(out).not.toMatch(/\u001b\[[0-9;?]*[A-HJKSTfhlsu]/); // CSI cursor / erase / modes
  expect(out).not.toMatch(/[\u0080-\u009f]/); // C1 incl. 0x9b, 0x9d
  expect(out).not.toMatch(/[\u0007\u0008\r]/); // BEL, BS, CR
  expect(out).not.toContain('\u001b'); // nothing else either
}

describe('everything agent-produced passes through the one sanitiser before reaching the terminal', () => {
  it('pane preview, last task, toasts, roster/tmux error text and stray session names write no control sequences', async () => {
    // roster text is shown too: a hostile class and tag
    const store = makeStore([spec('coder0', { class: `cls${EVIL.osc52}`, tags: [`tag${EVIL.c1csi}`, `t2${EVIL.title}`] }), spec('coder1')], { live: ['coder0', 'coder1'] });
    const wake: WakeRecord = { wokenAt: NOW - 60_000, mode: 'fresh', baselineMs: null, sessionId: null, lastTask: `task ${ALL}` };
    const m = mount(store);
    await tick();
    // a stray session whose name carries escapes (tmux would accept many of these bytes)
    const panes = new Map([
      ['coder0', pane('coder0')],
      ['coder1', pane('coder1')],
      [`evil${EVIL.title}`, pane(`evil${EVIL.title}`)],
    ]);
    store.push({ type: 'tmux', obs: { server: 'up', at: NOW, panes } });
    store.push({ type: 'files', files: new Map([['coder0', { stopped: false, newMark: false, wake }]]) });
    store.flush();
    await m.keys('p');
    store.push({ type: 'preview', name: 'coder0', text: `pane says ${ALL}\nsecond line ${EVIL.osc52}` });
    store.push({ type: 'roster-error', message: `bad roster ${EVIL.osc8} ${EVIL.csiCursor}` });
    store.flush();
    await tick();
    m.ops.fail.add('coder0'); // its failure reason carries an OSC 52 (see fixtures)
    await m.keys('w');
    await m.actions.idle();
    store.dispatch({ type: 'toast', level: 'error', text: `agent error ${ALL}`, now: NOW });
    await tick();
    store.push({ type: 'tmux', obs: { server: 'down', at: NOW, reason: `no server ${EVIL.c1osc} ${EVIL.csiMode}` } });
    store.flush();
    await tick();

    const f = m.frame();
    // the text itself is still shown, minus the sequences
    expect(f).toContain('pane says');
    expect(f).toContain('second line');
    expect(f).toContain('roster error');
    expect(f).toContain('tmux server down: no server');
    expect(m.store.getState().rowMap.get('coder0')!.lastTask).toContain('task');
    expect(m.store.getState().rowMap.get('coder0')!.class).toBe('cls');
    expect(f).toContain('cls #tag #t2');
    expect(m.frames.join('')).toContain('task ');
    assertClean(written(m.frames));
  });

  it('text typed or pasted into the prompt bar is cleaned too (a paste can carry escapes)', async () => {
    const m = mount(makeStore([spec('coder0')]));
    await tick();
    await m.keys('b');
    await m.keys(`hello ${EVIL.osc52} there`);
    expect(m.store.getState().ui.promptText).not.toContain('\u001b');
    expect(m.store.getState().ui.promptText).toContain('hello');
    assertClean(written(m.frames));
  });
});
