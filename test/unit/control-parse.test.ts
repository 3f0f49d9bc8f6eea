import { describe, expect, it } from 'vitest';
import { CONTROL_LIST_ARGS, ControlParser, commandLine, observationFromLines, quoteArg } from '../../src/tmux/control.js';
import { FIELD_SEP } from '../../src/tmux/parse.js';

describe('ControlParser', () => {
  it('collects a reply block and notifications, across arbitrary chunk boundaries', () => {
    const text = '%begin 1795255903 268 0\n%end 1795255903 268 0\n%sessions-changed\n%begin 1 275 1\nline one\r\nline two\n%end 1 275 1\n%subscription-changed fleet $2 - - - : $2.1;\n%exit\n';
    const p = new ControlParser();
    const msgs = [];
    for (let i = 0; i < text.length; i += 7) msgs.push(...p.push(text.slice(i, i + 7)));
    expect(msgs).toEqual([
      { type: 'block', num: 268, fromClient: false, ok: true, lines: [] },
      { type: 'notification', name: 'sessions-changed', args: '' },
      { type: 'block', num: 275, fromClient: true, ok: true, lines: ['line one', 'line two'] },
      { type: 'notification', name: 'subscription-changed', args: 'fleet $2 - - - : $2.1;' },
      { type: 'notification', name: 'exit', args: '' },
    ]);
  });

  it('reports %error blocks as failed, with their message lines', () => {
    const msgs = new ControlParser().push('%begin 5 9 1\nparse error: unknown command: bogus\n%error 5 9 1\n');
    expect(msgs).toEqual([{ type: 'block', num: 9, fromClient: true, ok: false, lines: ['parse error: unknown command: bogus'] }]);
  });

  it('treats a line that only looks like %end (another number) as output, not the end of the block', () => {
    const msgs = new ControlParser().push('%begin 5 9 1\n%end 5 8 1\n%notification-lookalike\n%end 5 9 1\n');
    expect(msgs).toEqual([{ type: 'block', num: 9, fromClient: true, ok: true, lines: ['%end 5 8 1', '%notification-lookalike'] }]);
  });

  it('keeps an unfinished line until its newline arrives', () => {
    const p = new ControlParser();
    expect(p.push('%sessions-chan')).toEqual([]);
    expect(p.push('ged\n')).toEqual([{ type: 'notification', name: 'sessions-changed', args: '' }]);
  });

  it('ignores garbage outside a block', () => {
    expect(new ControlParser().push('random text\n\n')).toEqual([]);
  });
});

describe('quoting for the control connection', () => {
  it('single-quotes every argument and escapes quotes the tmux way', () => {
    expect(commandLine(['display', '-p', "it's ; #{x} $HOME"])).toBe(`'display' '-p' 'it'\\''s ; #{x} $HOME'`);
  });
  it('keeps a lone ";" argument as the command separator, as on a spawned tmux argv', () => {
    expect(commandLine(['a', ';', 'b', 'x;y'])).toBe(`'a' ; 'b' 'x;y'`);
  });
  it('refuses arguments that cannot travel on one line', () => {
    expect(quoteArg('a\nb')).toBeNull();
    expect(quoteArg('a\x1b[2J')).toBeNull();
    expect(commandLine(['send-keys', '-l', 'x\ny'])).toBeNull();
  });
});

describe('observationFromLines', () => {
  const line = (name: string) => ['P' + name, '$1', '0', '0', '%3', '123', '0', '', '1795255903', '1795255900', '0'].join(FIELD_SEP);
  it('parses prefixed list-panes lines like TmuxClient.observe()', () => {
    expect(CONTROL_LIST_ARGS[3]?.startsWith('P')).toBe(true);
    const o = observationFromLines([line('a1'), line('_ctl')], 42);
    expect(o.server).toBe('up');
    expect(o.at).toBe(42);
    expect(o.bad).toEqual([]);
    const p = o.server === 'up' ? o.panes.get('a1') : undefined;
    expect(p).toMatchObject({ session: 'a1', sessionId: '$1', paneId: '%3', pid: 123, dead: false, activityMs: 1795255903000 });
  });
  it('reports lines without the prefix (garbage in the reply) as bad, never as a session', () => {
    const o = observationFromLines([line('a1'), `evil${FIELD_SEP}x`], 1);
    expect(o.bad).toHaveLength(1);
    expect(o.server === 'up' ? [...o.panes.keys()] : []).toEqual(['a1']);
  });
});
