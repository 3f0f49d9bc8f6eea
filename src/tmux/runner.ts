import { spawn, type ChildProcess } from 'node:child_process';

/** How one tmux command is run. The only seam: a control-mode or ssh runner implements the same. */
export interface TmuxRunner {
  run(args: readonly string[], opts?: RunOptions): Promise<RunResult>;
  /** Number of tmux client processes spawned so far (the benchmark reads it). */
  readonly spawned: number;
}

export interface RunOptions {
  input?: string | Buffer;
  timeoutMs?: number;
  /** Environment for the tmux client (new-session passes -e instead; this is for the client itself). */
  env?: Readonly<Record<string, string>>;
}

export interface RunResult {
  stdout: string;
  stderr: string;
  exitCode: number;
  timedOut: boolean;
}

export const DEFAULT_TMUX_TIMEOUT_MS = 5_000;

/** Environment for a tmux client: never inherit TMUX/TMUX_PANE, so no call can reach another server. */
export function tmuxClientEnv(base: NodeJS.ProcessEnv = process.env): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(base)) {
    if (v === undefined || k === 'TMUX' || k === 'TMUX_PANE') continue;
    env[k] = v;
  }
  return env;
}

/** Output beyond this (stdout + stderr) kills the client: tmux never legitimately prints this much. */
export const MAX_TMUX_OUTPUT_BYTES = 64 * 1024 * 1024;
/** After a timeout's SIGTERM, SIGKILL if the client is still there this much later. */
const KILL_GRACE_MS = 2_000;

/**
 * Runs `tmux -u -L <socket> …args` as a child process with an argument array (no shell) and a timeout.
 *
 * node:child_process directly rather than execa: this is the hot path (every spawned tmux call, the
 * `fleet top` first observation) and execa's first call in a fresh process costs 7–12 ms more of
 * synchronous JavaScript than a bare spawn on our machines (docs/BENCH.md "Decisions"); what it adds —
 * input, a timeout with a forced kill, spawn errors told apart from exit codes — is a few lines here.
 */
export class ProcessTmuxRunner implements TmuxRunner {
  #spawned = 0;
  constructor(
    readonly socket: string,
    readonly tmuxBin = 'tmux',
  ) {}

  get spawned(): number {
    return this.#spawned;
  }

  run(args: readonly string[], opts: RunOptions = {}): Promise<RunResult> {
    this.#spawned++;
    return new Promise<RunResult>((resolve, reject) => {
      let child: ChildProcess;
      try {
        child = spawn(this.tmuxBin, ['-u', '-L', this.socket, ...args], {
          env: { ...tmuxClientEnv(), ...(opts.env ?? {}) },
          stdio: ['pipe', 'pipe', 'pipe'],
        });
      } catch (e) {
        reject(unavailable(this.tmuxBin, e));
        return;
      }
      const out: Buffer[] = [];
      const err: Buffer[] = [];
      let bytes = 0;
      let timedOut = false;
      let overflow = false;
      let killTimer: NodeJS.Timeout | undefined;
      const kill = (): void => {
        child.kill('SIGTERM');
        killTimer ??= setTimeout(() => child.kill('SIGKILL'), KILL_GRACE_MS);
        killTimer.unref();
      };
      const collect = (into: Buffer[]) => (b: Buffer): void => {
        bytes += b.length;
        if (bytes > MAX_TMUX_OUTPUT_BYTES) {
          if (!overflow) kill();
          overflow = true;
          return;
        }
        into.push(b);
      };
      child.stdout!.on('data', collect(out));
      child.stderr!.on('data', collect(err));
      // tmux may exit before reading its input (EPIPE): the exit status says what happened.
      child.stdin!.on('error', () => undefined);
      child.stdin!.end(opts.input ?? '');
      const timer = setTimeout(() => {
        timedOut = true;
        kill();
      }, opts.timeoutMs ?? DEFAULT_TMUX_TIMEOUT_MS);
      let settled = false;
      const settle = (): boolean => {
        if (settled) return false;
        settled = true;
        clearTimeout(timer);
        if (killTimer) clearTimeout(killTimer);
        return true;
      };
      // No pid: the process never started (ENOENT, EACCES…). Any other 'error' (a failed kill) changes nothing.
      child.on('error', (e) => {
        if (child.pid === undefined && settle()) reject(unavailable(this.tmuxBin, e));
      });
      child.on('close', (code) => {
        if (!settle()) return;
        const stderr = Buffer.concat(err).toString('utf8');
        resolve({
          stdout: Buffer.concat(out).toString('utf8'),
          stderr: overflow ? `${stderr}fleet: tmux printed more than ${MAX_TMUX_OUTPUT_BYTES} bytes; the client was stopped\n` : stderr,
          exitCode: timedOut ? 124 : (code ?? 1),
          timedOut,
        });
      });
    });
  }
}

/** A spawn failure (tmux missing from PATH, EACCES…) as the error every caller handles. */
function unavailable(bin: string, e: unknown): TmuxUnavailableError {
  const code = (e as { code?: string }).code;
  return new TmuxUnavailableError(
    code === 'ENOENT' || code === undefined
      ? `tmux not found on PATH (${bin}); install it (apt-get install tmux / brew install tmux)`
      : `cannot run tmux: ${(e as Error).message}`,
  );
}

export class TmuxUnavailableError extends Error {
  override name = 'TmuxUnavailableError';
}
