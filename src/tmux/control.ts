import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import type { TmuxObservation } from '../domain/types.js';
import { LIST_PANES_FORMAT, isNoServer, parseListPanes } from './parse.js';
import { DEFAULT_TMUX_TIMEOUT_MS, ProcessTmuxRunner, tmuxClientEnv, type RunOptions, type RunResult, type TmuxRunner } from './runner.js';

/**
 * A tmux control-mode (`tmux -C`) connection: ONE long-lived client process that answers commands
 * without spawning and pushes events (sessions appearing/vanishing; a ≤1 Hz subscription digest of
 * every session's activity/pid/dead flag). It attaches to its own internal session `_ctl` with
 * `-f no-output,ignore-size` (no pane output is streamed, it never resizes anything) and reconnects
 * after `%exit` or a crash. When not connected every call falls back to a spawned tmux client, so
 * results stay correct; `spawned` counts those fallbacks.
 */

export const CONTROL_SESSION = '_ctl';
/** Each list-panes line gets this prefix through the connection, so a line never starts with `%`. */
const LINE_PREFIX = 'P';
/** The subscription: changes whenever a session appears/vanishes, its pane prints, dies, respawns, or is attached. */
export const SUBSCRIPTION_NAME = 'fleet';
/**
 * Internal sessions (`_ctl`, `_holder`, a cockpit's own `_…` session) are left out: their output must not wake
 * us. No pane_current_command: tmux reads /proc for it on every evaluation (500 reads a second at 500 agents);
 * a command that changes without any output is caught by the reconcile.
 */
export const SUBSCRIPTION_FORMAT =
  '#{S:#{?#{m:_*,#{session_name}},,#{session_id}.#{window_activity}.#{pane_dead}.#{pane_pid}.#{session_attached};}}';

// ---------------------------------------------------------------- protocol parsing (pure)

export type ControlMessage =
  | { type: 'block'; num: number; fromClient: boolean; ok: boolean; lines: string[] }
  | { type: 'notification'; name: string; args: string };

/**
 * Turns control-mode output (in arbitrary chunks) into messages. A reply is `%begin T N F`, output lines,
 * then `%end T N F` or `%error T N F` with the same N; anything else starting with `%` outside a block is
 * a notification. A line inside a block that merely looks like `%end` but carries another number is output.
 */
export class ControlParser {
  #buf = '';
  #open: { num: number; flags: string; lines: string[] } | null = null;

  push(chunk: string): ControlMessage[] {
    this.#buf += chunk;
    const out: ControlMessage[] = [];
    let nl: number;
    while ((nl = this.#buf.indexOf('\n')) >= 0) {
      let line = this.#buf.slice(0, nl);
      this.#buf = this.#buf.slice(nl + 1);
      if (line.endsWith('\r')) line = line.slice(0, -1);
      const m = this.line(line);
      if (m) out.push(m);
    }
    return out;
  }

  private line(line: string): ControlMessage | null {
    const open = this.#open;
    if (open) {
      const end = /^%(end|error) (\d+) (\d+) (\d+)$/.exec(line);
      if (end && Number(end[3]) === open.num && end[4] === open.flags) {
        this.#open = null;
        return { type: 'block', num: open.num, fromClient: open.flags === '1', ok: end[1] === 'end', lines: open.lines };
      }
      open.lines.push(line);
      return null;
    }
    const begin = /^%begin (\d+) (\d+) (\d+)$/.exec(line);
    if (begin) {
      this.#open = { num: Number(begin[2]), flags: begin[3] ?? '0', lines: [] };
      return null;
    }
    if (line.startsWith('%')) {
      const sp = line.indexOf(' ');
      return sp < 0 ? { type: 'notification', name: line.slice(1), args: '' } : { type: 'notification', name: line.slice(1, sp), args: line.slice(sp + 1) };
    }
    return null; // stray output outside a block (should not happen with no-output): ignored
  }
}

/** Quotes one argument for tmux's command parser: single quotes, `'` as `'\''`. null when it cannot be sent on one line. */
export function quoteArg(arg: string): string | null {
  if (/[\x00-\x1f\x7f]/.test(arg)) return null;
  return `'${arg.replace(/'/g, `'\\''`)}'`;
}

/**
 * A command line for the connection, or null when an argument needs a spawned client (newlines, control
 * chars). An argument that is exactly `;` separates commands, as it does on a spawned tmux's argv.
 */
export function commandLine(args: readonly string[]): string | null {
  const q: string[] = [];
  for (const a of args) {
    const s = a === ';' ? ';' : quoteArg(a);
    if (s === null) return null;
    q.push(s);
  }
  return q.join(' ');
}

/** The list-panes command sent through the connection, and the parser for its reply. */
export const CONTROL_LIST_ARGS = ['list-panes', '-a', '-F', LINE_PREFIX + LIST_PANES_FORMAT] as const;
export function observationFromLines(lines: readonly string[], now: number): TmuxObservation & { bad: string[] } {
  const stdout = lines.map((l) => (l.startsWith(LINE_PREFIX) ? l.slice(LINE_PREFIX.length) : `!${l}`)).join('\n');
  const { panes, bad } = parseListPanes(stdout);
  return { server: 'up', at: now, panes, bad };
}

// ---------------------------------------------------------------- the connection

export type ControlEvent =
  | { kind: 'connected' }
  | { kind: 'disconnected'; reason: string }
  /** Sessions were created, killed or renamed. */
  | { kind: 'sessions' }
  /** The subscription digest changed: some pane printed, died, respawned, or a session got (de)attached. */
  | { kind: 'activity' };

export interface ControlOptions {
  tmuxBin?: string;
  /** Used to probe for a server before connecting, and for calls the connection cannot carry. */
  fallback?: TmuxRunner;
  /** Reconnect backoff after a lost connection (ms). */
  reconnectMinMs?: number;
  reconnectMaxMs?: number;
  /**
   * Subscribe to the activity digest (default true). A connection that only runs commands (a broadcast, the
   * bench's own probe) turns it off: tmux re-evaluates every subscription over all sessions each second.
   */
  subscribe?: boolean;
}

interface Pending {
  resolve(r: RunResult): void;
  timer: NodeJS.Timeout | undefined;
  dropped: boolean;
  /**
   * A chain (`a ; b ; c`) answers with one block per command that ran — tmux stops at the first error —
   * so its blocks are collected until the reply to a sentinel line written right after it.
   */
  chain?: { sentinel: string; blocks: { ok: boolean; lines: string[] }[] };
}

export class ControlClient implements TmuxRunner {
  readonly fallback: TmuxRunner;
  #proc: ChildProcess | null = null;
  #ready = false;
  #closed = false;
  #pending: Pending[] = [];
  #listeners = new Set<(e: ControlEvent) => void>();
  #reconnectTimer: NodeJS.Timeout | undefined;
  #backoff: number;
  #connecting: Promise<boolean> | null = null;
  #observing: Promise<TmuxObservation & { bad?: string[] }> | null = null;
  /** Commands answered by the connection (no process spawned). */
  answered = 0;
  #chains = 0;
  readonly #nonce = randomBytes(6).toString('hex');

  constructor(
    readonly socket: string,
    readonly opts: ControlOptions = {},
  ) {
    this.fallback = opts.fallback ?? new ProcessTmuxRunner(socket, opts.tmuxBin);
    this.#backoff = opts.reconnectMinMs ?? 500;
  }

  /** tmux processes spawned so far: the connection itself counts once per (re)connect, plus fallbacks. */
  #connects = 0;
  get spawned(): number {
    return this.fallback.spawned + this.#connects;
  }
  get connected(): boolean {
    return this.#ready;
  }
  /** pid of the control client process (the benchmark reads its CPU). */
  get pid(): number | undefined {
    return this.#proc?.pid;
  }

  onEvent(cb: (e: ControlEvent) => void): () => void {
    this.#listeners.add(cb);
    return () => this.#listeners.delete(cb);
  }

  /** Connects when a server is up. Resolves true when connected. Never throws. */
  connect(): Promise<boolean> {
    if (this.#ready) return Promise.resolve(true);
    if (this.#closed) return Promise.resolve(false);
    this.#connecting ??= this.#connect().finally(() => {
      this.#connecting = null;
    });
    return this.#connecting;
  }

  async #connect(): Promise<boolean> {
    // Never start a server: probe first; "no server" leaves the fleet down and retries later.
    const probe = await this.fallback.run(['has-session', '-t', `=${CONTROL_SESSION}`]).catch(() => null);
    if (!probe || (probe.exitCode !== 0 && isNoServer(probe.stderr))) {
      this.#scheduleReconnect();
      return false;
    }
    if (this.#closed) return false;
    this.#connects++;
    const proc = spawn(
      this.opts.tmuxBin ?? 'tmux',
      // -N: never start a server. The probe above can race a server that dies right after it; without -N
      // this new-session would then start a fresh, empty server and the cockpit would never see it down.
      ['-u', '-L', this.socket, '-N', '-C', 'new-session', '-A', '-s', CONTROL_SESSION, '-f', 'no-output,ignore-size', '-x', '80', '-y', '24',
        'sh -c "while :; do sleep 3600; done"'],
      { stdio: ['pipe', 'pipe', 'ignore'], env: tmuxClientEnv() },
    );
    this.#proc = proc;
    const parser = new ControlParser();
    return new Promise<boolean>((resolve) => {
      let settled = false;
      const settle = (ok: boolean): void => {
        if (!settled) {
          settled = true;
          resolve(ok);
        }
      };
      proc.stdout?.setEncoding('utf8');
      proc.stdout?.on('data', (chunk: string) => {
        // Output can still arrive after this process's exit event (a child holding the pipe, or buffered
        // data read late): it belongs to a connection already lost, so it must not mark us ready again.
        if (this.#proc !== proc) return;
        for (const m of parser.push(chunk)) {
          if (m.type === 'block' && !m.fromClient && !this.#ready) {
            if (!m.ok) continue;
            this.#ready = true;
            this.#backoff = this.opts.reconnectMinMs ?? 500;
            if (this.opts.subscribe !== false) this.#write(`refresh-client -B ${quoteArg(`${SUBSCRIPTION_NAME}::${SUBSCRIPTION_FORMAT}`)}`, () => undefined, 5_000);
            this.#emit({ kind: 'connected' });
            settle(true);
          } else if (m.type === 'block' && m.fromClient) {
            this.#reply(m);
          } else if (m.type === 'notification') {
            if (m.name === 'sessions-changed' || m.name === 'session-renamed') this.#emit({ kind: 'sessions' });
            else if (m.name === 'subscription-changed' && m.args.startsWith(`${SUBSCRIPTION_NAME} `)) this.#emit({ kind: 'activity' });
            else if (m.name === 'exit') this.#lost(proc, `tmux control client exited${m.args ? `: ${m.args}` : ''}`);
          }
        }
      });
      proc.on('error', (e) => {
        this.#lost(proc, `tmux control client failed: ${e.message}`);
        settle(false);
      });
      proc.on('exit', () => {
        this.#lost(proc, 'tmux control client exited');
        settle(false);
      });
      proc.stdin?.on('error', () => undefined);
    });
  }

  /** `proc` is the client the news is about: news of an earlier, already replaced client changes nothing. */
  #lost(proc: ChildProcess, reason: string): void {
    if (this.#proc !== proc) return;
    this.#proc = null;
    const wasReady = this.#ready;
    this.#ready = false;
    for (const p of this.#pending.splice(0)) {
      if (p.timer) clearTimeout(p.timer);
      if (!p.dropped) p.resolve({ stdout: '', stderr: reason, exitCode: 1, timedOut: false });
    }
    if (proc.exitCode === null && proc.signalCode === null) proc.kill();
    if (wasReady) this.#emit({ kind: 'disconnected', reason });
    this.#scheduleReconnect();
  }

  #scheduleReconnect(): void {
    if (this.#closed || this.#reconnectTimer) return;
    const delay = this.#backoff;
    this.#backoff = Math.min(this.#backoff * 2, this.opts.reconnectMaxMs ?? 5_000);
    this.#reconnectTimer = setTimeout(() => {
      this.#reconnectTimer = undefined;
      void this.connect();
    }, delay);
    this.#reconnectTimer.unref();
  }

  #emit(e: ControlEvent): void {
    for (const l of this.#listeners) {
      try {
        l(e);
      } catch {
        /* a listener's error is its own */
      }
    }
  }

  #reply(m: { ok: boolean; lines: string[] }): void {
    const p = this.#pending[0];
    if (!p) return;
    if (p.chain && !(m.ok && m.lines.length === 1 && m.lines[0] === p.chain.sentinel)) {
      p.chain.blocks.push(m);
      return;
    }
    this.#pending.shift();
    if (p.dropped) return;
    if (p.timer) clearTimeout(p.timer);
    const blocks = p.chain ? p.chain.blocks : [m];
    const failed = blocks.find((b) => !b.ok);
    const stdout = blocks.filter((b) => b.ok).map((b) => b.lines.map((l) => `${l}\n`).join('')).join('');
    p.resolve({ stdout, stderr: failed ? failed.lines.join('\n') : '', exitCode: failed ? 1 : 0, timedOut: false });
  }

  #write(line: string, resolve: (r: RunResult) => void, timeoutMs: number, chained = false): void {
    const p: Pending = { resolve, timer: undefined, dropped: false };
    p.timer = setTimeout(() => {
      p.dropped = true; // keeps its place in the FIFO so later replies still match their commands
      resolve({ stdout: '', stderr: `tmux control command timed out on socket ${this.socket}`, exitCode: 124, timedOut: true });
    }, timeoutMs);
    p.timer.unref();
    let text = `${line}\n`;
    if (chained) {
      p.chain = { sentinel: `fleet-chain-${this.#nonce}-${++this.#chains}`, blocks: [] };
      text += `display-message -p ${p.chain.sentinel}\n`;
    }
    this.#pending.push(p);
    this.#proc?.stdin?.write(text);
  }

  /** Runs one tmux command: through the connection when possible (no spawn), else through the fallback. */
  run(args: readonly string[], opts: RunOptions = {}): Promise<RunResult> {
    const line = commandLine(args);
    if (!this.#ready || line === null || opts.input !== undefined || opts.env !== undefined) return this.fallback.run(args, opts);
    this.answered++;
    return new Promise((resolve) => this.#write(line, resolve, opts.timeoutMs ?? DEFAULT_TMUX_TIMEOUT_MS, args.includes(';')));
  }

  /** Several commands written at once; one reply each (a failing one does not stop the others). */
  runMany(commands: readonly (readonly string[])[], opts: RunOptions = {}): Promise<RunResult[]> {
    return Promise.all(commands.map((c) => this.run(c, opts)));
  }

  /** Same result as TmuxClient.observe(): one list-panes, answered by the connection. Concurrent calls share one. */
  observe(now = Date.now()): Promise<TmuxObservation & { bad?: string[] }> {
    this.#observing ??= this.#observe(now).finally(() => {
      this.#observing = null;
    });
    return this.#observing;
  }

  async #observe(now: number): Promise<TmuxObservation & { bad?: string[] }> {
    if (!this.#ready) {
      // Not connected: one spawned list-panes keeps the answer right, and a live server triggers a reconnect.
      const r = await this.fallback.run(['list-panes', '-a', '-F', LIST_PANES_FORMAT]).catch((e: Error) => e);
      if (r instanceof Error) return { server: 'down', at: now, reason: r.message };
      if (r.exitCode !== 0) return { server: 'down', at: now, reason: isNoServer(r.stderr) ? 'no server' : r.stderr.trim() || `list-panes exit ${r.exitCode}` };
      void this.connect();
      const { panes, bad } = parseListPanes(r.stdout);
      return { server: 'up', at: now, panes, bad };
    }
    const r = await this.run(CONTROL_LIST_ARGS);
    if (r.exitCode !== 0) return { server: 'down', at: now, reason: r.stderr.trim() || 'list-panes failed' };
    return observationFromLines(r.stdout.split('\n').filter((l) => l.length > 0), now);
  }

  /** Closes the connection (detaches; the `_ctl` session stays for other cockpits). */
  async close(): Promise<void> {
    this.#closed = true;
    if (this.#reconnectTimer) clearTimeout(this.#reconnectTimer);
    const proc = this.#proc;
    if (!proc) return;
    const exited = new Promise<void>((r) => proc.once('exit', () => r()));
    proc.stdin?.end(); // an empty line / EOF detaches a control client
    const t = setTimeout(() => proc.kill(), 1_000);
    await exited;
    clearTimeout(t);
  }
}
