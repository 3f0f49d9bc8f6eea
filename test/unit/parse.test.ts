import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { FIELD_SEP, LIST_PANES_FORMAT, isNoServer, parseListPanes } from '../../src/tmux/parse.js';
import { REPO_ROOT } from '../helpers/tmux.js';

const fixture = (name: string): string => fs.readFileSync(path.join(REPO_ROOT, 'test', 'fixtures', name), 'utf8');
// Real output of `tmux -L <private> list-panes -a -F LIST_PANES_FORMAT` (see test/fixtures/capture-list-panes.sh).
const REAL = fixture('list-panes-tmux-3.3a.txt');

describe('LIST_PANES_FORMAT', () => {
  it('uses a printable separator, and leaves out pane_current_command (unused, and the dearest field for tmux)', () => {
    expect(FIELD_SEP).toMatch(/^[\x21-\x7e]+$/);
    expect(LIST_PANES_FORMAT).not.toContain('pane_current_command');
    expect(LIST_PANES_FORMAT.split(FIELD_SEP)[0]).toBe('#{session_name}');
  });
});

describe('parseListPanes on real tmux output', () => {
  const { panes, bad } = parseListPanes(REAL);

  it('one record per session, nothing unparsed', () => {
    expect(bad).toEqual([]);
    expect([...panes.keys()].sort()).toEqual(['_holder', 'café', 'coder', 'coder0', 'dead1', 'my stray', 'sep', 'win1']);
  });

  it('keeps the first pane (lowest window, then pane) of a session with several windows and a split', () => {
    const p = panes.get('coder0')!;
    expect(p).toMatchObject({ session: 'coder0', sessionId: '$1', paneId: '%1', dead: false, deadStatus: null, attached: 0 });
    expect(p.pid).toBeGreaterThan(0);
    expect(p.activityMs % 1000).toBe(0);
    expect(p.activityMs).toBeGreaterThan(Date.UTC(2020, 0, 1));
    expect(p.createdMs).toBeGreaterThan(Date.UTC(2020, 0, 1));
    // `coder` is its own session, not a prefix match of coder0
    expect(panes.get('coder')!.paneId).toBe('%4');
  });

  it('a session whose window 0 is gone reports its lowest remaining window', () => {
    expect(panes.get('win1')!.paneId).toBe('%10');
  });

  it('a dead pane carries its exit status', () => {
    expect(panes.get('dead1')).toMatchObject({ dead: true, deadStatus: 3 });
  });

  it('names with spaces and non-ASCII survive', () => {
    expect(panes.get('my stray')!.sessionId).toBe('$5');
    expect(panes.get('café')!.paneId).toBe('%8');
  });

  it('the order of lines does not matter', () => {
    const reversed = parseListPanes(REAL.trim().split('\n').reverse().join('\n') + '\n');
    expect(reversed.panes.get('coder0')!.paneId).toBe('%1');
    expect(reversed.panes.get('win1')!.paneId).toBe('%10');
  });
});

describe('parseListPanes on garbage', () => {
  const good = 'a:|:$1:|:0:|:0:|:%1:|:42:|:0:|::|:1700000000:|:1700000000:|:1';

  it('empty output is an empty server', () => {
    expect(parseListPanes('')).toEqual({ panes: new Map(), bad: [] });
    expect(parseListPanes('\n\n').panes.size).toBe(0);
  });

  it.each([
    ['too few fields', 'a:|:$1:|:0'],
    ['one field too many (another format, an old fleet\'s line)', `${good}:|:zsh`],
    ['plain text', 'no server running on /tmp/tmux-0/x'],
    ['session id without $', good.replace('$1', '1')],
    ['pane id without %', good.replace('%1', '1')],
    ['empty session name', good.replace(/^a/, '')],
    ['non-numeric window', good.replace(':|:0:|:0:|:', ':|:x:|:0:|:')],
    ['non-numeric activity', good.replace(':|:1700000000:|:1700000000', ':|:soon:|:1700000000')],
    ['binary noise', '\u0000\u001b[2J\u0007'],
  ])('%s: reported in bad, never fatal, other lines still parse', (_what, line) => {
    const r = parseListPanes(`${line}\n${good}\n`);
    expect(r.bad).toEqual([line]);
    expect(r.panes.get('a')).toMatchObject({ pid: 42, attached: 1, activityMs: 1_700_000_000_000 });
  });

  it('a non-numeric pid or attached count degrades to 0 instead of rejecting the session', () => {
    const r = parseListPanes(good.replace(':|:42:|:', ':|::|:').replace(/:\|:1$/, ':|:'));
    expect(r.bad).toEqual([]);
    expect(r.panes.get('a')).toMatchObject({ pid: 0, attached: 0 });
  });
});

describe('isNoServer', () => {
  it('recognises tmux wording for a missing or stale server (real stderr)', () => {
    expect(isNoServer(fixture('no-server-stderr.txt'))).toBe(true);
    expect(isNoServer(fixture('stale-socket-stderr.txt'))).toBe(true);
    expect(isNoServer('error connecting to /tmp/tmux-0/x (Connection refused)')).toBe(true);
    // a server caught while a kill-server takes it down
    expect(isNoServer('server exited unexpectedly\n')).toBe(true);
  });
  it('does not swallow other errors', () => {
    expect(isNoServer("can't find session: =coder")).toBe(false);
    expect(isNoServer('')).toBe(false);
    expect(isNoServer('error connecting to /tmp/tmux-0/x (Permission denied)')).toBe(false);
  });
});
