/**
 * End to end: the BUILT `fleet top` runs in a pane of an outer private tmux server, the fleet under
 * test lives on another private socket with stand-in agents; driven with send-keys, read with
 * capture-pane, and checked against what the stand-ins wrote to their transcripts.
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { makeTestFleet, standinAgents, type TestFleet } from '../helpers/fleet-env.js';
import { FLEET_BIN, killTestServer, STANDIN, testSocket, tmux, waitFor } from '../helpers/tmux.js';

const outers: string[] = [];
afterEach(() => {
  while (outers.length) killTestServer(outers.pop()!);
});

beforeAll(() => {
  if (!fs.existsSync(FLEET_BIN) || !fs.existsSync(STANDIN)) throw new Error('run `node scripts/build.mjs` first');
});

interface TopPane {
  outer: string;
  screen: () => string;
  keys: (...k: string[]) => void;
  literal: (t: string) => void;
  fmt: (f: string) => string;
  /** pid of the fleet process (a child of the pane's shell). */
  pid: () => number;
  /** Exit status once fleet top has exited (the pane's shell prints it and stays alive), else null. */
  exitStatus: () => number | null;
}

/**
 * Starts `fleet top` in a 120×32 pane on a fresh outer socket, under a shell that prints its exit
 * status and stays alive: tmux forgets a pane's terminal modes once the pane is dead, so the restored
 * modes are read from a live pane.
 */
function startTop(f: TestFleet, args: string[] = []): TopPane {
  const outer = testSocket();
  outers.push(outer);
  const env = Object.entries({ ...f.env, TERM: 'xterm-256color', LANG: 'C.UTF-8' }).flatMap(([k, v]) => ['-e', `${k}=${v}`]);
  const cmd = [process.execPath, FLEET_BIN, 'top', ...args].map((a) => `'${a}'`).join(' ');
  tmux(outer, 'new-session', '-d', '-s', 'top', '-x', '120', '-y', '32', ...env, 'sh', '-c', `${cmd}; echo "fleet-exit=$?"; sleep 600`);
  const fmt = (fm: string) => tmux(outer, 'display-message', '-p', '-t', '=top:', fm).trim();
  const screen = () => tmux(outer, 'capture-pane', '-p', '-t', '=top:');
  return {
    outer,
    screen,
    keys: (...k) => void tmux(outer, 'send-keys', '-t', '=top:', ...k),
    literal: (t) => void tmux(outer, 'send-keys', '-t', '=top:', '-l', '--', t),
    fmt,
    pid: () => {
      const sh = fmt('#{pane_pid}');
      return Number(fs.readFileSync(`/proc/${sh}/task/${sh}/children`, 'utf8').trim().split(/\s+/)[0]);
    },
    exitStatus: () => {
      const m = /fleet-exit=(\d+)/.exec(screen());
      return m ? Number(m[1]) : null;
    },
  };
}

/** Every user turn the stand-in of `name` recorded. */
function userTurns(f: TestFleet, name: string): string[] {
  const out: string[] = [];
  const walk = (d: string): void => {
    for (const e of fs.readdirSync(d, { withFileTypes: true })) {
      const p = path.join(d, e.name);
      if (e.isDirectory()) walk(p);
      else if (e.name.endsWith('.jsonl')) {
        for (const line of fs.readFileSync(p, 'utf8').split('\n')) {
          try {
            const r = JSON.parse(line) as { type?: string; cwd?: string; message?: { content?: unknown } };
            if (r.type === 'user' && typeof r.message?.content === 'string' && r.cwd === f.cwd(name)) out.push(r.message.content);
          } catch {
            /* partial line */
          }
        }
      }
    }
  };
  const projects = path.join(f.claudeHome, 'projects');
  if (fs.existsSync(projects)) walk(projects);
  return out;
}

const row = (screen: string, name: string): string => screen.split('\n').find((l) => new RegExp(`^[ ›][ ●] ${name} `).test(l)) ?? '';

describe('fleet top end to end', () => {
  it('navigates, filters, marks, broadcasts through the prompt bar, attaches and detaches, and quits with the terminal restored', async () => {
    const f = makeTestFleet();
    f.writeRoster(
      `version: 1\nagents:\n${standinAgents(f, ['coder0', 'coder1'], '    class: implementer\n    tags: [api]\n')}${standinAgents(f, ['rev0'], '    class: reviewer\n')}`,
    );
    const t = startTop(f);
    await waitFor(() => /3 agents/.test(t.screen()) && row(t.screen(), 'rev0'), { timeoutMs: 20_000, what: 'first frame' });
    expect(t.fmt('#{alternate_on}')).toBe('1');
    const first = t.screen();
    expect(first).toContain(`fleet ${f.socket}`);
    expect(first).toMatch(/supervisor|viewer/);
    expect(first).toMatch(/\[grid\] ⏎ attach/);
    for (const n of ['coder0', 'coder1', 'rev0']) expect(row(first, n)).toMatch(/asleep/);

    // navigate: the selection marker moves
    const selected = () => (t.screen().split('\n').find((l) => l.startsWith('›')) ?? '').slice(3).split(/\s+/)[0];
    const top = selected();
    t.keys('j');
    await waitFor(() => selected() !== top, { what: 'selection moved' });
    t.keys('k');
    await waitFor(() => selected() === top, { what: 'selection back' });

    // filter by class, mark all visible, clear the filter: two marked
    t.keys('/');
    t.literal('class:implementer');
    await waitFor(() => t.screen().includes('/class:implementer') && !row(t.screen(), 'rev0'), { what: 'filtered' });
    t.keys('Enter', 'a', 'Escape');
    await waitFor(() => t.screen().includes('2 marked') && row(t.screen(), 'rev0'), { what: 'marked, filter cleared' });
    expect(row(t.screen(), 'coder0')).toMatch(/^ ●|^›●/);
    expect(row(t.screen(), 'rev0')).not.toContain('●');

    // broadcast through the prompt bar to the marked agents (asleep: woken with the text as their task)
    t.keys('b');
    await waitFor(() => t.screen().includes('to: @marked'), { what: 'prompt bar' });
    t.literal('hello from e2e');
    t.keys('Enter');
    await waitFor(() => t.screen().includes('Send to 2 agents?'), { what: 'confirmation' });
    expect(t.screen()).toMatch(/│ coder0 +│ asleep +│ wake, then send +│/);
    expect(t.screen()).toMatch(/│ coder1 +│ asleep +│ wake, then send +│/);
    t.keys('y');
    await waitFor(() => /broadcast 2\/2 done/.test(t.screen()), { timeoutMs: 45_000, what: 'broadcast done' });
    const after = t.screen();
    expect(row(after, 'coder0')).toMatch(/✓ delivered|\? unconfirmed/);
    expect(row(after, 'coder1')).toMatch(/✓ delivered|\? unconfirmed/);
    await waitFor(() => userTurns(f, 'coder0').includes('hello from e2e') && userTurns(f, 'coder1').includes('hello from e2e'), {
      timeoutMs: 20_000,
      what: 'stand-ins recorded the task',
    });
    expect(userTurns(f, 'rev0')).toEqual([]);
    // the run is in the ledger
    const runs = await f.fleet(['runs', '--json']);
    expect(runs.code).toBe(0);
    const list = JSON.parse(runs.stdout) as { counts: Record<string, number> }[];
    expect(list).toHaveLength(1);
    expect(Object.values(list[0]!.counts).reduce((a, b) => a + b, 0)).toBe(2);

    // Enter attaches to the selected agent (rev0, asleep: woken first); detaching brings the grid back intact
    t.keys('/');
    t.literal('rev0');
    t.keys('Enter');
    await waitFor(() => selected() === 'rev0' && !row(t.screen(), 'coder0'), { what: 'rev0 selected' });
    t.keys('Enter');
    await waitFor(() => /standin .* — ready/.test(t.screen()) && t.screen().includes('│ >'), { timeoutMs: 30_000, what: 'attached to the stand-in' });
    expect(t.screen()).not.toContain('[grid]');
    t.keys('C-b', 'd');
    await waitFor(() => t.screen().includes('[grid]') && t.screen().includes('2 marked'), { timeoutMs: 20_000, what: 'grid back after detach' }).catch((e: Error) => {
      throw new Error(`${e.message}; screen:\n${t.screen()}`);
    });
    expect(selected()).toBe('rev0');
    expect(t.screen()).toContain('filter: rev0');
    await waitFor(() => /idle|busy|booting/.test(row(t.screen(), 'rev0')), { timeoutMs: 20_000, what: 'rev0 live' });

    // p previews the selected pane (the stand-in's screen, captured at once)
    t.keys('p');
    await waitFor(() => t.screen().includes('preview: rev0') && /standin .* — ready/.test(t.screen()), { timeoutMs: 15_000, what: 'preview of rev0' });
    t.keys('p');
    await waitFor(() => !t.screen().includes('preview: rev0'), { what: 'preview closed' });

    // q quits and restores the terminal: main screen, cursor shown, exit 0
    t.keys('q');
    await waitFor(() => t.exitStatus() !== null, { timeoutMs: 15_000, what: 'fleet top exited' });
    expect(t.exitStatus()).toBe(0);
    expect(t.fmt('#{alternate_on} #{cursor_flag} #{mouse_any_flag} #{keypad_cursor_flag}')).toBe('0 1 0 0');
    expect(t.screen()).not.toContain('[grid]');
  });

  it('re-lays out on resize without garbage, and shows tmux down then recovers when the server is back', async () => {
    const f = makeTestFleet();
    f.writeRoster(`version: 1\nagents:\n${standinAgents(f, ['a1', 'a2'])}`);
    const t = startTop(f);
    await waitFor(() => row(t.screen(), 'a2'), { timeoutMs: 20_000, what: 'first frame' });
    const clean = (cols: number) => {
      const lines = t.screen().split('\n');
      return (
        lines.filter((l) => l.startsWith('fleet ')).length === 1 &&
        lines[0]!.startsWith('fleet ') &&
        lines.filter((l) => l.includes('NAME')).length === 1 &&
        lines.some((l) => l.startsWith('[grid]')) &&
        lines.every((l) => [...l].length <= cols)
      );
    };
    for (const [x, y] of [[80, 20], [150, 40], [100, 24]] as const) {
      tmux(t.outer, 'resize-window', '-t', '=top', '-x', String(x), '-y', String(y));
      await waitFor(() => clean(x) && row(t.screen(), 'a1') && row(t.screen(), 'a2'), { timeoutMs: 15_000, what: `clean frame at ${x}x${y}` });
    }
    // wake a1 (w on the selection, whichever it is), then kill the fleet's server behind fleet's back
    t.keys('w');
    await waitFor(() => /idle|busy|booting/.test(t.screen()), { timeoutMs: 30_000, what: 'an agent live' });
    killTestServer(f.socket);
    await waitFor(() => /no tmux server|tmux server down/.test(t.screen()), { timeoutMs: 20_000, what: 'server-down line' });
    await waitFor(() => /a1 .*asleep/.test(t.screen()) && /a2 .*asleep/.test(t.screen()), { timeoutMs: 20_000, what: 'agents asleep' });
    // the server comes back (a wake starts it): the line goes, the grid recovers
    t.keys('g', 'w');
    await waitFor(() => !/no tmux server|tmux server down/.test(t.screen()) && /idle|busy|booting/.test(t.screen()), { timeoutMs: 30_000, what: 'recovered' });
    t.keys('q');
    await waitFor(() => t.exitStatus() !== null, { timeoutMs: 15_000, what: 'exited' });
    expect(t.exitStatus()).toBe(0);
  });

  for (const signal of ['SIGTERM', 'SIGHUP'] as const) {
    it(`${signal} restores the terminal`, async () => {
      const f = makeTestFleet();
      f.writeRoster(`version: 1\nagents:\n${standinAgents(f, ['a1'])}`);
      const t = startTop(f);
      await waitFor(() => row(t.screen(), 'a1'), { timeoutMs: 20_000, what: 'first frame' });
      expect(t.fmt('#{alternate_on} #{cursor_flag}')).toBe('1 0');
      process.kill(t.pid(), signal);
      await waitFor(() => t.exitStatus() !== null, { timeoutMs: 15_000, what: 'exited' });
      expect(t.exitStatus()).toBe(signal === 'SIGTERM' ? 143 : 129);
      expect(t.fmt('#{alternate_on} #{cursor_flag} #{mouse_any_flag}')).toBe('0 1 0');
    });
  }

  it("draws the grid even when the operator's shell sets CI (Ink would otherwise draw no frames)", async () => {
    const f = makeTestFleet();
    f.writeRoster(`version: 1\nagents:\n${standinAgents(f, ['ci1'])}`);
    f.env.CI = 'true';
    f.env.CONTINUOUS_INTEGRATION = 'true';
    const t = startTop(f);
    await waitFor(() => row(t.screen(), 'ci1').includes('asleep'), { timeoutMs: 20_000, what: `the grid under CI=true:\n${t.screen()}` });
    t.keys('q');
    await waitFor(() => t.exitStatus() !== null, { timeoutMs: 15_000, what: 'exited' });
    expect(t.exitStatus()).toBe(0);
  });

  it('without a terminal it refuses with exit 2 and points at fleet ls --json', async () => {
    const f = makeTestFleet();
    f.writeRoster(`version: 1\nagents:\n${standinAgents(f, ['a1'])}`);
    const r = await f.fleet(['top']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/fleet top needs a terminal.*fleet ls --json/);
    expect(r.stdout).not.toContain('\u001b[?1049h');
  });

  it('a missing roster is a configuration error before the screen changes (exit 2)', async () => {
    const f = makeTestFleet();
    const t = startTop(f);
    await waitFor(() => t.exitStatus() !== null, { timeoutMs: 15_000, what: 'exited' });
    expect(t.exitStatus()).toBe(2);
    expect(t.fmt('#{alternate_on}')).toBe('0');
    expect(t.screen()).toMatch(/no roster at/);
    expect(t.screen()).toMatch(/file not found/);
  });
});
