import { EventEmitter } from 'node:events';
import { describe, expect, it } from 'vitest';
import { ENTER_SEQ, LEAVE_SEQ, createTerminal, exitCodeFor, installExitHandlers, type ExitReason } from '../../src/cockpit/terminal.js';

function fakeTty() {
  const out: string[] = [];
  const raw: boolean[] = [];
  return {
    out,
    raw,
    stdout: { isTTY: true, write: (s: string) => (out.push(s), true) },
    stdin: { isTTY: true, setRawMode: (on: boolean) => raw.push(on) },
  };
}

describe('terminal setup and restore', () => {
  it('enters the alternate screen with the cursor hidden; restore leaves it with cursor shown, raw mode off and modes reset', () => {
    const t = fakeTty();
    const term = createTerminal(t.stdout, t.stdin);
    term.enter();
    expect(t.out.join('')).toBe(ENTER_SEQ);
    expect(ENTER_SEQ).toContain('\u001b[?1049h');
    expect(ENTER_SEQ).toContain('\u001b[?25l');
    term.restore();
    const left = t.out.slice(1).join('');
    expect(left).toBe(LEAVE_SEQ);
    for (const seq of ['\u001b[?25h', '\u001b[?1049l', '\u001b[?2004l', '\u001b[?1000l', '\u001b[?1006l', '\u001b[0m']) expect(left).toContain(seq);
    // the cursor is shown again after leaving the alternate screen (its mode may be restored on leaving)
    expect(left.endsWith('\u001b[?1049l\u001b[?25h')).toBe(true);
    expect(t.raw).toEqual([false]);
  });

  it('restore is idempotent and never throws, even when the tty is gone', () => {
    const term = createTerminal(
      { write: () => { throw new Error('EIO'); } },
      { isTTY: true, setRawMode: () => { throw new Error('EBADF'); } },
    );
    term.restore(); // not entered: nothing to do
    expect(() => term.enter()).toThrow('EIO');
    expect(() => term.restore()).not.toThrow();
    expect(term.active).toBe(false);
    const t = fakeTty();
    const t2 = createTerminal(t.stdout, t.stdin);
    t2.enter();
    t2.restore();
    t2.restore();
    expect(t.out).toHaveLength(2);
  });

  it('routes SIGINT, SIGTERM, SIGHUP and uncaught errors to one exit path, and uninstalls', () => {
    const proc = new EventEmitter();
    const seen: ExitReason[] = [];
    const uninstall = installExitHandlers(proc, (r) => seen.push(r));
    proc.emit('SIGTERM');
    proc.emit('SIGHUP');
    proc.emit('SIGINT');
    const boom = new Error('boom');
    proc.emit('uncaughtException', boom);
    proc.emit('unhandledRejection', 'nope');
    expect(seen).toEqual([
      { kind: 'signal', signal: 'SIGTERM' },
      { kind: 'signal', signal: 'SIGHUP' },
      { kind: 'signal', signal: 'SIGINT' },
      { kind: 'error', error: boom },
      { kind: 'error', error: 'nope' },
    ]);
    uninstall();
    for (const ev of ['SIGTERM', 'SIGHUP', 'SIGINT', 'uncaughtException', 'unhandledRejection']) expect(proc.listenerCount(ev), ev).toBe(0);
  });

  it('with a rejection handler, an unhandled rejection is reported and does not end the app', () => {
    const proc = new EventEmitter();
    const exits: ExitReason[] = [];
    const rejections: unknown[] = [];
    installExitHandlers(proc, (r) => exits.push(r), (e) => rejections.push(e));
    proc.emit('unhandledRejection', new Error('late'));
    expect(exits).toEqual([]);
    expect(rejections).toHaveLength(1);
    proc.emit('uncaughtException', new Error('fatal'));
    expect(exits).toHaveLength(1);
  });

  it('exit codes: 0 on quit, 128+n on signals, 1 on errors', () => {
    expect(exitCodeFor({ kind: 'quit' })).toBe(0);
    expect(exitCodeFor({ kind: 'signal', signal: 'SIGTERM' })).toBe(143);
    expect(exitCodeFor({ kind: 'signal', signal: 'SIGHUP' })).toBe(129);
    expect(exitCodeFor({ kind: 'signal', signal: 'SIGINT' })).toBe(130);
    expect(exitCodeFor({ kind: 'error', error: new Error('x') })).toBe(1);
  });
});
