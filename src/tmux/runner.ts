import { execa } from 'execa';

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

/** Runs `tmux -u -L <socket> …args` through execa with an argument array and a timeout. */
export class ExecaTmuxRunner implements TmuxRunner {
  #spawned = 0;
  constructor(
    readonly socket: string,
    readonly tmuxBin = 'tmux',
  ) {}

  get spawned(): number {
    return this.#spawned;
  }

  async run(args: readonly string[], opts: RunOptions = {}): Promise<RunResult> {
    this.#spawned++;
    const r = await execa(this.tmuxBin, ['-u', '-L', this.socket, ...args], {
      input: opts.input ?? '',
      timeout: opts.timeoutMs ?? DEFAULT_TMUX_TIMEOUT_MS,
      reject: false,
      stripFinalNewline: false,
      extendEnv: false,
      env: { ...tmuxClientEnv(), ...(opts.env ?? {}) },
      encoding: 'utf8',
    });
    if (r.failed && r.exitCode === undefined && !r.timedOut) {
      // spawn failure (tmux missing from PATH, EACCES…)
      const code = (r as { code?: string }).code ?? 'ENOENT';
      throw new TmuxUnavailableError(
        code === 'ENOENT'
          ? `tmux not found on PATH (${this.tmuxBin}); install it (apt-get install tmux / brew install tmux)`
          : `cannot run tmux: ${r.shortMessage}`,
      );
    }
    return {
      stdout: typeof r.stdout === 'string' ? r.stdout : '',
      stderr: typeof r.stderr === 'string' ? r.stderr : '',
      exitCode: r.exitCode ?? (r.timedOut ? 124 : 1),
      timedOut: r.timedOut ?? false,
    };
  }
}

export class TmuxUnavailableError extends Error {
  override name = 'TmuxUnavailableError';
}
