import { randomBytes } from 'node:crypto';
import { HOLDER_SESSION, assertAgentName, assertSocketName, paneTarget, sessionTarget } from '../domain/names.js';
import type { TmuxObservation } from '../domain/types.js';
import { LIST_PANES_FORMAT, isNoServer, parseListPanes } from './parse.js';
import { ProcessTmuxRunner, type RunResult, type TmuxRunner } from './runner.js';

export class TmuxError extends Error {
  override name = 'TmuxError';
  constructor(
    message: string,
    readonly result?: RunResult,
  ) {
    super(message);
  }
}

export interface NewSessionOptions {
  name: string;
  cwd: string;
  /** Shell command line run by tmux in the pane. */
  command: string;
  env?: Readonly<Record<string, string>>;
  width?: number;
  height?: number;
}

/**
 * The only module that runs tmux. Every call: `tmux -u -L <socket> …` with exact targets.
 * Session names other than the holder are validated before they reach tmux.
 */
export class TmuxClient {
  readonly runner: TmuxRunner;
  constructor(
    readonly socket: string,
    runner?: TmuxRunner,
  ) {
    assertSocketName(socket);
    this.runner = runner ?? new ProcessTmuxRunner(socket);
  }

  private async run(args: string[], input?: string | Buffer, timeoutMs?: number): Promise<RunResult> {
    const opts: { input?: string | Buffer; timeoutMs?: number } = {};
    if (input !== undefined) opts.input = input;
    if (timeoutMs !== undefined) opts.timeoutMs = timeoutMs;
    const r = await this.runner.run(args, opts);
    if (r.timedOut) throw new TmuxError(`tmux ${args[0]} timed out on socket ${this.socket}`, r);
    return r;
  }

  private async must(args: string[], input?: string | Buffer): Promise<RunResult> {
    const r = await this.run(args, input);
    if (r.exitCode !== 0) {
      const msg = r.stderr.trim() || `exit ${r.exitCode}`;
      throw new TmuxError(isNoServer(r.stderr) ? `no server on socket ${this.socket}` : `tmux ${args[0]}: ${msg}`, r);
    }
    return r;
  }

  /** The whole server in ONE list-panes call. A missing server is an observation, not an exception. */
  async observe(now = Date.now()): Promise<TmuxObservation & { bad?: string[] }> {
    let r: RunResult;
    try {
      r = await this.run(['list-panes', '-a', '-F', LIST_PANES_FORMAT]);
    } catch (e) {
      return { server: 'down', at: now, reason: (e as Error).message };
    }
    if (r.exitCode !== 0) {
      const reason = isNoServer(r.stderr) ? 'no server' : r.stderr.trim() || `list-panes exit ${r.exitCode}`;
      return { server: 'down', at: now, reason };
    }
    const { panes, bad } = parseListPanes(r.stdout);
    return { server: 'up', at: now, panes, bad };
  }

  async hasSession(name: string): Promise<boolean> {
    this.checkName(name);
    const r = await this.run(['has-session', '-t', sessionTarget(name)]);
    return r.exitCode === 0;
  }

  /** Keeps the server alive between agents. Idempotent. */
  async ensureHolder(): Promise<void> {
    const r = await this.run(['has-session', '-t', sessionTarget(HOLDER_SESSION)]);
    if (r.exitCode === 0) return;
    const c = await this.run([
      'new-session', '-d', '-s', HOLDER_SESSION, '-x', '80', '-y', '24',
      'sh', '-c', 'while :; do sleep 3600; done',
    ]);
    if (c.exitCode !== 0 && !/duplicate session/.test(c.stderr)) {
      throw new TmuxError(`cannot create holder session: ${c.stderr.trim()}`, c);
    }
    // The holder session alone keeps the server alive after its last agent goes. Do NOT also set the
    // server option exit-empty off: on tmux 3.3a it stops the server from recording pane_dead_status
    // for processes that exit later, so dead agents would show no exit status.
  }

  /** Creates a detached session; returns its session id (`$N`) and first pane id. */
  async newSession(o: NewSessionOptions): Promise<{ sessionId: string; paneId: string }> {
    assertAgentName(o.name);
    const args = ['new-session', '-d', '-P', '-F', '#{session_id} #{pane_id}', '-s', o.name, '-c', o.cwd];
    args.push('-x', String(o.width ?? 200), '-y', String(o.height ?? 50));
    for (const [k, v] of Object.entries(o.env ?? {})) args.push('-e', `${k}=${v}`);
    args.push(o.command);
    // Keep the pane after its process exits so the grid can show `dead` with the exit status.
    // remain-on-exit is a window option: it needs a window target (`=name:`); `=name` fails with "no such window".
    // Chained into the SAME tmux invocation (`;` as its own argument): the server runs both commands before it
    // handles the child's exit, so a command that dies at once still leaves a dead pane instead of vanishing.
    args.push(';', 'set-option', '-w', '-t', paneTarget(o.name), 'remain-on-exit', 'on');
    const r = await this.must(args);
    const [sessionId = '', paneId = ''] = (r.stdout.trim().split('\n')[0] ?? '').split(' ');
    return { sessionId, paneId };
  }

  /** Kills exactly `=name`. Never the server. */
  async killSession(name: string): Promise<boolean> {
    this.checkName(name);
    const r = await this.run(['kill-session', '-t', sessionTarget(name)]);
    return r.exitCode === 0;
  }

  /** The visible screen (and `history` lines above it) of the session's first pane, without escapes. */
  async capturePane(name: string, history = 0): Promise<string> {
    this.checkName(name);
    const args = ['capture-pane', '-p', '-t', paneTarget(name)];
    if (history > 0) args.push('-S', String(-history));
    const r = await this.must(args);
    return r.stdout;
  }

  /**
   * The visible screens of several sessions in ONE tmux client: `capture-pane … ; display-message <nonce> ; …`.
   * Returns name → screen for the ones captured; when the chain fails (a session vanished mid-way), the rest
   * are captured one by one and the missing ones are left out. Never throws for a missing session.
   */
  async capturePanes(names: readonly string[]): Promise<Map<string, string>> {
    const out = new Map<string, string>();
    if (names.length === 0) return out;
    for (const n of names) this.checkName(n);
    // No leading "-": tmux would read the separator as flags ("invalid flag --") and the chain would fail.
    const nonce = `fleet-capture-${randomBytes(6).toString('hex')}--`;
    const args: string[] = [];
    names.forEach((n, i) => {
      if (i > 0) args.push(';');
      args.push('capture-pane', '-p', '-t', paneTarget(n), ';', 'display-message', '-p', nonce);
    });
    const r = await this.run(args);
    const parts = r.stdout.split(`${nonce}\n`);
    if (r.exitCode === 0 && parts.length === names.length + 1) {
      names.forEach((n, i) => out.set(n, parts[i]!));
      return out;
    }
    for (const n of names) {
      const one = await this.run(['capture-pane', '-p', '-t', paneTarget(n)]);
      if (one.exitCode === 0) out.set(n, one.stdout);
    }
    return out;
  }

  /** Sends key names (e.g. 'Enter', 'Escape', 'C-c') — never literal text; text goes through paste. */
  async sendKeys(name: string, ...keys: string[]): Promise<void> {
    this.checkName(name);
    await this.must(['send-keys', '-t', paneTarget(name), ...keys]);
  }

  /** Sends literal text as keystrokes (`send-keys -l`), for short commands such as `/clear`. */
  async sendLiteral(name: string, text: string): Promise<void> {
    this.checkName(name);
    await this.must(['send-keys', '-t', paneTarget(name), '-l', '--', text]);
  }

  /**
   * Pastes text byte-exactly: load-buffer from stdin into a unique buffer, then
   * paste-buffer -p (bracketed) -r (no LF→CR) -d (delete buffer) into `=name:`.
   */
  async paste(name: string, text: string): Promise<void> {
    this.checkName(name);
    const buf = `fleet-${process.pid}-${randomBytes(6).toString('hex')}`;
    await this.must(['load-buffer', '-b', buf, '-'], text);
    try {
      await this.must(['paste-buffer', '-p', '-r', '-d', '-b', buf, '-t', paneTarget(name)]);
    } catch (e) {
      await this.run(['delete-buffer', '-b', buf]).catch(() => undefined);
      throw e;
    }
  }

  /**
   * paste() in ONE tmux client: `load-buffer -b <unique> - ; paste-buffer -p -r -d -b <unique> -t =name:`
   * (same commands, same order, half the processes — broadcast to hundreds of agents). On failure the
   * buffer is deleted.
   */
  async pasteChained(name: string, text: string): Promise<void> {
    this.checkName(name);
    const buf = `fleet-${process.pid}-${randomBytes(6).toString('hex')}`;
    try {
      await this.must(['load-buffer', '-b', buf, '-', ';', 'paste-buffer', '-p', '-r', '-d', '-b', buf, '-t', paneTarget(name)], text);
    } catch (e) {
      await this.run(['delete-buffer', '-b', buf]).catch(() => undefined);
      throw e;
    }
  }

  async attachArgs(name: string, insideSameServer: boolean): Promise<string[]> {
    this.checkName(name);
    return insideSameServer
      ? ['-u', '-L', this.socket, 'switch-client', '-t', sessionTarget(name)]
      : ['-u', '-L', this.socket, 'attach-session', '-t', sessionTarget(name)];
  }

  /** The server's socket file (`#{socket_path}`), or null when no server runs on this socket. */
  async socketPath(): Promise<string | null> {
    const r = await this.run(['display-message', '-p', '#{socket_path}']);
    return r.exitCode === 0 ? r.stdout.trim() || null : null;
  }

  /** Kills this socket's server. Only for tests and the demo's own private socket. */
  async killServer(): Promise<void> {
    await this.run(['kill-server']);
  }

  private checkName(name: string): void {
    if (name === HOLDER_SESSION) return;
    assertAgentName(name);
  }
}
