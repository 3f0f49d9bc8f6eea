/**
 * Faults: terminal safety. Whatever an agent prints into its pane or transcript (OSC 52 clipboard
 * writes, OSC 8 links, window titles, cursor movement, erase, CR overwrites, BEL, C1 controls), the
 * bytes fleet writes to the operator's terminal contain none of it.
 */
import { describe, expect, test } from 'vitest';
import { isClean, sanitize } from '../../src/domain/sanitize.js';
import { makeTestFleet, standinAgents } from '../helpers/fleet-env.js';
import { tmux, waitFor } from '../helpers/tmux.js';
import { controlBytes, roster, runFleet, shellAgent, startCockpit, TERMINAL_CONTROL, waitScreen } from './helpers.js';

const ESC = '\u001b';
const BEL = '\u0007';
const ST = `${ESC}\\`;

describe('the sanitiser drops every terminal hazard', () => {
  test.each([
    ['OSC 52 clipboard write ended by BEL', `a${ESC}]52;c;cm0gLXJmIH4=${BEL}b`, 'ab'],
    ['OSC 52 clipboard write ended by ST', `a${ESC}]52;c;cm0gLXJmIH4=${ST}b`, 'ab'],
    ['OSC 8 hyperlink (the visible text stays, the link goes)', `${ESC}]8;;https://evil.example/${ST}click${ESC}]8;;${ST}`, 'click'],
    ['OSC 0 / OSC 2 window title', `${ESC}]0;pwned${BEL}${ESC}]2;again${ST}ok`, 'ok'],
    ['CSI cursor movement and positioning', `x${ESC}[10A${ESC}[5;5H${ESC}[2Cy`, 'xy'],
    ['erase display / erase line', `${ESC}[2J${ESC}[3J${ESC}[Kclean`, 'clean'],
    ['SGR colours and private modes (alt screen, mouse, bracketed paste off)', `${ESC}[31m${ESC}[?1049h${ESC}[?1000h${ESC}[?2004lred`, 'red'],
    ['a CR overwrite ("safe\\rEVIL")', 'rm -rf /tmp/x\rls', 'rm -rf /tmp/xls'],
    ['BEL and backspace overwrites', `ab${BEL}\b\bXY`, 'abXY'],
    ['8-bit CSI (0x9B) with its parameters', 'a\u009b2Jb', 'ab'],
    ['8-bit OSC (0x9D) title ended by 8-bit ST (0x9C)', 'a\u009d0;title\u009cb', 'ab'],
    ['DCS, APC, PM and SOS strings', `a${ESC}Pq#0;2;0;0;0${ST}${ESC}_apc${ST}${ESC}^pm${ST}${ESC}Xsos${ST}b`, 'ab'],
    ['an unterminated OSC at the end (swallowed, not leaked)', `ok${ESC}]52;c;AAAA`, 'ok'],
    ['a lone ESC at the end', `ok${ESC}`, 'ok'],
    ['two-byte escapes (ESC c full reset, ESC 7/8 save/restore)', `a${ESC}cb${ESC}7c${ESC}8`, 'abc'],
    ['DEL and NUL', 'a\u007fb\u0000c', 'abc'],
    ['bidi overrides that reorder what is shown', 'file\u202Etxt.exe\u2066x\u2069', 'filetxt.exex'],
    ['tabs (become one space)', 'a\tb', 'a b'],
  ])('%s', (_what, input, expected) => {
    const out = sanitize(input);
    expect(out).toBe(expected);
    expect(out).not.toMatch(TERMINAL_CONTROL);
    expect(isClean(out)).toBe(true);
  });

  test('plain text, unicode and emoji pass through unchanged (no over-stripping)', () => {
    const text = 'héllo wörld — 日本語 ✓ 🚀 ❯ │ > draft\nsecond line';
    expect(sanitize(text)).toBe(text);
  });

  test('singleLine folds newlines and max cuts with an ellipsis, both after cleaning', () => {
    expect(sanitize(`a\n${ESC}[2Jb\n\nc`, { singleLine: true })).toBe('a⏎ b⏎ c');
    expect(sanitize(`${ESC}]0;${'x'.repeat(100)}${BEL}abcdefgh`, { max: 5 })).toBe('abcd…');
  });

  test('fuzz: 2,000 random byte strings never leave a control byte in the output', () => {
    let seed = 12345;
    const rnd = (): number => (seed = (seed * 1103515245 + 12345) & 0x7fffffff) / 0x7fffffff;
    const alphabet = [ESC, BEL, '\r', '\b', '[', ']', ';', '\\', 'P', '_', '^', 'X', '\u009b', '\u009d', '\u009c', '\u0090', 'a', '0', '?', 'h', 'm', 'H', '\n', '\u202e'];
    for (let i = 0; i < 2000; i++) {
      let s = '';
      const n = 1 + Math.floor(rnd() * 40);
      for (let j = 0; j < n; j++) s += alphabet[Math.floor(rnd() * alphabet.length)];
      const out = sanitize(s);
      expect(out, JSON.stringify(s)).not.toMatch(TERMINAL_CONTROL);
      expect(out).not.toMatch(/[\u202a-\u202e\u2066-\u2069]/);
    }
  });

  test('a 1 MB hostile pane capture is cleaned in well under a second (no regex blow-up)', () => {
    const chunk = `${ESC}[31m${ESC}]0;t${BEL}text\r${ESC}[2K\u009b1m${ESC}]52;c;${'A'.repeat(50)}`;
    const big = chunk.repeat(Math.ceil(1_000_000 / chunk.length));
    const t0 = Date.now();
    const out = sanitize(big);
    expect(Date.now() - t0).toBeLessThan(1_000);
    expect(out).not.toMatch(TERMINAL_CONTROL);
  });
});

describe('bytes fleet writes to the terminal', () => {
  test('stray sessions named with ESC, BEL and C1 bytes: ls and ls --json print no control bytes', async () => {
    const f = makeTestFleet();
    f.writeRoster(roster(shellAgent(f, 'a1')));
    tmux(f.socket, 'new-session', '-d', '-s', `t${ESC}]52;c;cHduZWQ=${BEL}x`, 'sleep 100000');
    tmux(f.socket, 'new-session', '-d', '-s', 'c\u009b2Jx\u007f', 'sleep 100000');
    for (const args of [['ls'], ['ls', '--json']]) {
      const r = await runFleet(f, args);
      expect(r.code).toBe(0);
      expect(r.stdout).toMatch(/stray/);
      expect(controlBytes(r.raw), args.join(' ')).toEqual([]);
    }
  });

  test('a roster whose unknown key holds an OSC 52 write: the error names it without emitting the escape', async () => {
    const f = makeTestFleet();
    f.writeRoster(`version: 1\nagents:\n  - name: a1\n    cwd: ${f.cwd('a1')}\n    "x\\e]52;c;cHduZWQ=\\a": 1\n`);
    const r = await runFleet(f, ['ls']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/unknown key/);
    expect(controlBytes(r.raw)).toEqual([]);
  });

  test('a roster class/tag holding escape sequences is shown cleaned by ls (agent-adjacent text is sanitised too)', async () => {
    const f = makeTestFleet();
    f.writeRoster(`version: 1\nagents:\n  - name: a1\n    cwd: ${f.cwd('a1')}\n    class: "r\\e]0;title\\a\\e[2Jev"\n    tags: ["t\\x9b31mx"]\n`);
    const r = await runFleet(f, ['ls']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/a1/);
    expect(controlBytes(r.raw)).toEqual([]);
  });
});

describe('bytes the cockpit writes to the terminal', () => {
  /** What the cockpit may never emit: OSC/DCS/APC/PM/SOS strings, BEL, 8-bit C1 controls, the payload. */
  function hazards(raw: Buffer): string[] {
    const s = raw.toString('utf8');
    const found: string[] = [];
    if (s.includes(`${ESC}]`)) found.push('OSC');
    if (/\u001b[P_^X]/.test(s)) found.push('DCS/APC/PM/SOS');
    if (s.includes(BEL)) found.push('BEL');
    if (/[\u0080-\u009f]/.test(s)) found.push('C1');
    if (s.includes('cHduZWQ')) found.push('OSC 52 payload');
    if (s.includes('TITLE-PWN')) found.push('title payload');
    return found;
  }

  test('an agent printing OSC 52/8, titles, C1 and CR overwrites into its pane (preview open), a hostile roster class and a hostile stray name: none of it reaches the terminal', async () => {
    const f = makeTestFleet();
    const hostile = `printf 'VISIBLE-MARKER \\033]52;c;cHduZWQ=\\007\\033]0;TITLE-PWN\\007\\033]8;;http://evil/\\033\\\\link\\033]8;;\\033\\\\ \\302\\233""2J\\033P1;2q\\033\\\\ over\\rOVER\\n'; exec sleep 100000`;
    f.writeRoster(
      roster(
        `  - name: evil\n    runtime: shell\n    cwd: ${f.cwd('evil')}\n    class: "c\\e]52;c;cHduZWQ=\\a"\n    command: ${JSON.stringify(hostile)}\n`,
      ),
    );
    tmux(f.socket, 'new-session', '-d', '-s', 'evil', '-x', '120', '-y', '30', hostile);
    tmux(f.socket, 'new-session', '-d', '-s', `s${ESC}]0;TITLE-PWN${BEL}x`, 'sleep 100000');
    const c = startCockpit(f);
    await waitScreen(c, (sc) => /evil/.test(sc), 'grid shows evil', 20_000);
    c.keys('p');
    // tmux renders the CR overwrite: the preview shows what the pane shows, as plain text
    await waitScreen(c, (sc) => /OVERBLE-MARKER link/.test(sc), 'preview shows the pane text', 20_000);
    expect(hazards(c.raw())).toEqual([]);
  }, 60_000);

  test('a task text full of escapes sent through fleet send shows in the grid (last task) with none of its escapes emitted', async () => {
    const f = makeTestFleet();
    f.writeRoster(roster(standinAgents(f, ['t1'])));
    const c = startCockpit(f);
    await waitScreen(c, (sc) => /t1/.test(sc), 'grid', 20_000);
    const task = `LASTTASK ${ESC}]52;c;cHduZWQ=${BEL} ${ESC}]0;TITLE-PWN${ESC}\\ \u009b2J ${ESC}[2J end`;
    const r = await runFleet(f, ['send', 't1', '--text', task, '--json']);
    expect(r.code, r.stderr).toBe(0);
    await waitScreen(c, (sc) => /LASTTASK/.test(sc), 'last task shown', 20_000);
    expect(hazards(c.raw())).toEqual([]);
  }, 60_000);

  test('the cockpit killed with SIGTERM mid-session (preview and prompt open): the terminal is restored — main screen, cursor, no mouse, cooked mode', async () => {
    const f = makeTestFleet();
    f.writeRoster(roster(shellAgent(f, 'a1')));
    const c = startCockpit(f);
    await waitScreen(c, (sc) => /a1/.test(sc) && c.pane('#{alternate_on}') === '1', 'cockpit up', 20_000);
    c.keys('p');
    c.keys('b');
    await waitFor(() => c.cockpitPid() !== null, { what: 'cockpit pid' });
    process.kill(c.cockpitPid()!, 'SIGTERM');
    await waitScreen(c, (sc) => /COCKPIT-EXIT:\d+/.test(sc), 'cockpit exited', 20_000);
    expect(c.pane('#{alternate_on} #{cursor_flag} #{mouse_any_flag} #{keypad_cursor_flag}')).toBe('0 1 0 0');
    // cooked mode: the shell only runs a command when the tty turns Enter into a newline
    c.keys('-l', 'echo RESTORED-$((40+2))');
    c.keys('Enter');
    await waitScreen(c, (sc) => /RESTORED-42/.test(sc), 'shell works after the crash', 10_000);
  }, 60_000);
});
