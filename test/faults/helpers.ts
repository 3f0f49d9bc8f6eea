/**
 * Shared helpers for the fault, bad-input and security suite (test/faults). Real processes, real
 * files, private tmux sockets; no mocks. A "fake tmux" is a shell script on PATH that logs every call
 * (argv and the TMUX variable it saw) and then runs the real tmux (or sleeps, or prints garbage).
 */
import fs from 'node:fs';
import path from 'node:path';
import { execFile, execFileSync } from 'node:child_process';
import { afterEach } from 'vitest';
import { FLEET_BIN, killTestServer, tempDir, testSocket, tmux, waitFor } from '../helpers/tmux.js';
import type { TestFleet } from '../helpers/fleet-env.js';

export interface RunResult {
  code: number;
  stdout: string;
  stderr: string;
  /** Raw stdout bytes (for terminal-safety assertions). */
  raw: Buffer;
  ms: number;
}

export interface RunOpts {
  env?: Record<string, string | undefined>;
  input?: string;
  /** Run under this umask (via /bin/sh). */
  umask?: string;
  cwd?: string;
  timeoutMs?: number;
  /** A command (argv) to run fleet under, e.g. ['/usr/bin/time', '-f', '%M']. */
  wrap?: string[];
}

/** Runs the built fleet CLI against a test fleet with extra env; never rejects. */
export function runFleet(f: TestFleet, args: string[], o: RunOpts = {}): Promise<RunResult> {
  const env: Record<string, string> = { ...f.env };
  for (const [k, v] of Object.entries(o.env ?? {})) {
    if (v === undefined) delete env[k];
    else env[k] = v;
  }
  const base = [...(o.wrap ?? []), process.execPath, FLEET_BIN, ...args];
  const [cmd, argv] = o.umask ? ['/bin/sh', ['-c', `umask ${o.umask} && exec "$0" "$@"`, ...base]] : [base[0], base.slice(1)];
  const t0 = Date.now();
  return new Promise((resolve) => {
    const child = execFile(
      cmd as string,
      argv as string[],
      { env, timeout: o.timeoutMs ?? 60_000, maxBuffer: 256 * 1024 * 1024, encoding: 'buffer', cwd: o.cwd ?? f.root },
      (err, stdout, stderr) => {
        const e = err as (Error & { code?: unknown }) | null;
        const code = e ? (typeof e.code === 'number' ? e.code : 1) : 0;
        resolve({ code, stdout: stdout.toString('utf8'), stderr: stderr.toString('utf8'), raw: Buffer.concat([stdout, stderr]), ms: Date.now() - t0 });
      },
    );
    child.stdin?.end(o.input ?? '');
  });
}

export const REAL_TMUX = execFileSync('sh', ['-c', 'command -v tmux'], { encoding: 'utf8' }).trim();

export interface FakeTmux {
  /** Directory to put first on PATH. */
  dir: string;
  /** Every call so far: argv (without the program) and the TMUX variable the call saw. */
  calls(): { argv: string[]; tmuxEnv: string }[];
  /** 'slow' mode: the most calls whose argv matches `re` that were in flight at once (calls started at or after `sinceMs`). */
  maxInFlight(re: RegExp, sinceMs?: number): number;
}

/**
 * A `tmux` on PATH that logs each call, then: 'pass' runs the real tmux; 'slow' sleeps `sleepSecs`
 * first (and logs start/end times for maxInFlight); 'hang' becomes a process that never answers; 'garbage' prints `garbage` and exits 0.
 */
export function fakeTmux(mode: 'pass' | 'slow' | 'hang' | 'garbage', o: { sleepSecs?: number; garbage?: string } = {}): FakeTmux {
  const dir = tempDir('fleet-fake-tmux-');
  const log = path.join(dir, 'calls.log');
  const garbageFile = path.join(dir, 'garbage.txt');
  const events = path.join(dir, 'events.log');
  fs.writeFileSync(garbageFile, o.garbage ?? '');
  const body = [
    '#!/bin/sh',
    // one line per call: TMUX value, then the argv joined by US (0x1f)
    `{ printf '%s\\036' "$TMUX"; for a in "$@"; do printf '%s\\037' "$a"; done; printf '\\n'; } >> '${log}'`,
    mode === 'slow' ? `echo "S $(date +%s.%N) $$ $*" >> '${events}'; sleep ${o.sleepSecs ?? 30}; '${REAL_TMUX}' "$@"; rc=$?; echo "E $(date +%s.%N) $$" >> '${events}'; exit $rc` : '',
    mode === 'hang' ? `exec sleep ${o.sleepSecs ?? 60}` : '',
    mode === 'garbage' ? `cat '${garbageFile}'; exit 0` : '',
    `exec '${REAL_TMUX}' "$@"`,
  ].join('\n');
  fs.writeFileSync(path.join(dir, 'tmux'), body + '\n', { mode: 0o755 });
  return {
    dir,
    maxInFlight(re, sinceMs = 0) {
      let text: string;
      try {
        text = fs.readFileSync(events, 'utf8');
      } catch {
        return 0;
      }
      const ev: { t: number; d: number }[] = [];
      const watched = new Set<string>();
      for (const line of text.split('\n')) {
        const [kind, t, pid, ...rest] = line.split(' ');
        if (kind === 'S' && re.test(rest.join(' ')) && Number(t) * 1000 >= sinceMs) {
          watched.add(pid!);
          ev.push({ t: Number(t), d: 1 });
        } else if (kind === 'E' && watched.has(pid!)) ev.push({ t: Number(t), d: -1 });
      }
      ev.sort((a, b) => a.t - b.t || a.d - b.d);
      let cur = 0;
      let max = 0;
      for (const e of ev) max = Math.max(max, (cur += e.d));
      return max;
    },
    calls() {
      let text: string;
      try {
        text = fs.readFileSync(log, 'utf8');
      } catch {
        return [];
      }
      return text
        .split('\n')
        .filter((l) => l.length > 0)
        .map((l) => {
          const [tmuxEnv = '', rest = ''] = l.split('\u001e');
          return { tmuxEnv, argv: rest.split('\u001f').slice(0, -1) };
        });
    },
  };
}

/** PATH with `dir` first. */
export function pathWith(dir: string): string {
  return `${dir}${path.delimiter}${process.env.PATH ?? ''}`;
}

/** Every file and directory under `root`, with mode, size and mtime (for "nothing written" checks). */
export function tree(root: string): Map<string, { mode: number; size: number; mtimeMs: number; kind: string }> {
  const out = new Map<string, { mode: number; size: number; mtimeMs: number; kind: string }>();
  const walk = (d: string): void => {
    let entries: fs.Dirent[];
    try {
      entries = fs.readdirSync(d, { withFileTypes: true });
    } catch {
      return;
    }
    for (const e of entries) {
      const p = path.join(d, e.name);
      const st = fs.lstatSync(p);
      const kind = e.isDirectory() ? 'dir' : e.isSymbolicLink() ? 'link' : e.isSocket() ? 'socket' : 'file';
      out.set(path.relative(root, p), { mode: st.mode & 0o777, size: st.size, mtimeMs: st.mtimeMs, kind });
      if (e.isDirectory()) walk(p);
    }
  };
  walk(root);
  return out;
}

export function modeOf(p: string): number {
  return fs.statSync(p).mode & 0o777;
}

/** Roster text with the given agent blocks (already indented under `agents:`). */
export function roster(agents: string, head = ''): string {
  return `version: 1\n${head}agents:\n${agents}`;
}

/** A plain long-running shell agent (its pane runs `sleep`). */
export function shellAgent(f: TestFleet, name: string, extra = ''): string {
  return `  - name: ${name}\n    runtime: shell\n    cwd: ${f.cwd(name)}\n    command: sleep 100000\n${extra}`;
}

/** ESC, BEL and C1 bytes: none of these may reach the operator's terminal. */
export const TERMINAL_CONTROL = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/;

/** Finds the first terminal control byte in raw output (UTF-8 C1 is encoded as 0xC2 0x80–0x9F). */
export function controlBytes(buf: Buffer): number[] {
  const bad: number[] = [];
  const s = buf.toString('utf8');
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if ((c < 0x20 && c !== 0x0a && c !== 0x09) || (c >= 0x7f && c <= 0x9f)) bad.push(c);
  }
  return bad;
}

export interface Cockpit {
  /** The private tmux server the cockpit's terminal lives on (not the fleet's). */
  viewSocket: string;
  /** The visible screen of the cockpit's terminal (plain text). */
  screen(): string;
  /** Every byte the cockpit's terminal received so far (tmux pipe-pane). */
  raw(): Buffer;
  /** Types tmux key names into the terminal. */
  keys(...keys: string[]): void;
  /** The TMUX variable the cockpit's shell sees (the view server's). */
  tmuxEnv(): string;
  /** The pid of the shell the cockpit runs in. */
  shellPid(): number;
  /** The cockpit process (the shell's child), or null once it has exited. */
  cockpitPid(): number | null;
  /** A tmux format of the cockpit's pane (e.g. '#{alternate_on}'). */
  pane(format: string): string;
  kill(): void;
}

const cockpits: Cockpit[] = [];
afterEach(() => {
  for (const c of cockpits.splice(0)) c.kill();
});

/**
 * Runs `fleet top` (plus args) in a shell inside a pane of its OWN private tmux server, with the test
 * fleet's env, the pane's output bytes logged by pipe-pane. The shell stays after the cockpit exits.
 */
export function startCockpit(f: TestFleet, args: string[] = [], extraEnv: Record<string, string> = {}): Cockpit {
  const viewSocket = testSocket();
  const dir = tempDir('fleet-cockpit-');
  const log = path.join(dir, 'bytes.log');
  fs.writeFileSync(log, '');
  const env = { ...f.env, ...extraEnv, TERM: 'xterm-256color', PS1: '$ ' };
  const envArgs = Object.entries(env)
    .filter(([k]) => /^[A-Za-z_][A-Za-z0-9_]*$/.test(k))
    .map(([k, v]) => `${k}=${shQuote(v)}`)
    .join(' ');
  // TMUX/TMUX_PANE are the view server's (set by tmux for the pane): fleet top runs inside the
  // operator's own tmux, as it usually does, and must never act on that server.
  tmux(viewSocket, 'new-session', '-d', '-s', 'view', '-x', '160', '-y', '45', `env -i ${envArgs} TMUX="$TMUX" TMUX_PANE="$TMUX_PANE" sh`);
  tmux(viewSocket, 'pipe-pane', '-o', '-t', '=view:', `cat >> ${shQuote(log)}`);
  tmux(viewSocket, 'send-keys', '-t', '=view:', '-l', `exec 2>${shQuote(path.join(dir, 'stderr.log'))}; ${shQuote(process.execPath)} ${shQuote(FLEET_BIN)} top ${args.map(shQuote).join(' ')}; echo "COCKPIT-EXIT:$?"`);
  tmux(viewSocket, 'send-keys', '-t', '=view:', 'Enter');
  const c: Cockpit = {
    viewSocket,
    screen: () => tmux(viewSocket, 'capture-pane', '-p', '-t', '=view:'),
    raw: () => fs.readFileSync(log),
    keys: (...k) => {
      tmux(viewSocket, 'send-keys', '-t', '=view:', ...k);
    },
    tmuxEnv: () => {
      const sh = c.shellPid();
      const env = fs.readFileSync(`/proc/${sh}/environ`, 'utf8').split('\0');
      return env.find((e) => e.startsWith('TMUX='))?.slice(5) ?? '';
    },
    shellPid: () => Number(tmux(viewSocket, 'display-message', '-p', '-t', '=view:', '#{pane_pid}').trim()),
    cockpitPid: () => {
      const sh = c.shellPid();
      try {
        const kids = fs.readFileSync(`/proc/${sh}/task/${sh}/children`, 'utf8').trim().split(/\s+/).filter(Boolean).map(Number);
        return kids[0] ?? null;
      } catch {
        return null;
      }
    },
    pane: (format) => tmux(viewSocket, 'display-message', '-p', '-t', '=view:', format).trim(),
    kill: () => killTestServer(viewSocket),
  };
  cockpits.push(c);
  return c;
}

export function shQuote(s: string): string {
  return `'${s.replace(/'/g, `'\\''`)}'`;
}

/** waitFor on the cockpit's screen; on timeout the error shows the last screen. */
export async function waitScreen(c: Cockpit, pred: (screen: string) => boolean, what: string, timeoutMs = 20_000): Promise<void> {
  try {
    await waitFor(() => pred(c.screen()), { timeoutMs, what });
  } catch (e) {
    throw new Error(`${(e as Error).message}\n--- screen ---\n${c.screen()}`, { cause: e });
  }
}
