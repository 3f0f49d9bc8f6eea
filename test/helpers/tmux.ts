import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { execFileSync } from 'node:child_process';
import { tmuxClientEnv } from '../../src/tmux/runner.js';

let n = 0;
/** A private socket name for one test: fleet-test-<pid>-<n>. Never the default server. */
export function testSocket(): string {
  return `fleet-test-${process.pid}-${++n}`;
}

/** Runs tmux on a private socket, synchronously (test setup only). */
export function tmux(socket: string, ...args: string[]): string {
  if (!socket.startsWith('fleet-test-') && !socket.startsWith('fleet-bench-')) throw new Error(`refusing non-test socket ${socket}`);
  return execFileSync('tmux', ['-u', '-L', socket, ...args], { encoding: 'utf8', env: tmuxClientEnv(), stdio: ['ignore', 'pipe', 'pipe'] });
}

/** Kills a test socket's server (always with -L) and removes its socket file. */
export function killTestServer(socket: string): void {
  if (!socket.startsWith('fleet-test-') && !socket.startsWith('fleet-bench-')) throw new Error(`refusing non-test socket ${socket}`);
  try {
    execFileSync('tmux', ['-L', socket, 'kill-server'], { env: tmuxClientEnv(), stdio: 'ignore' });
  } catch {
    /* no server */
  }
}

export function tempDir(prefix = 'fleet-test-'): string {
  return fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), prefix)));
}

/** Polls `cond` until it returns a truthy value or the deadline passes. Never a fixed sleep. */
export async function waitFor<T>(cond: () => T | Promise<T>, opts: { timeoutMs?: number; intervalMs?: number; what?: string } = {}): Promise<NonNullable<T>> {
  const deadline = Date.now() + (opts.timeoutMs ?? 10_000);
  let last: unknown;
  for (;;) {
    try {
      const v = await cond();
      if (v) return v as NonNullable<T>;
    } catch (e) {
      last = e;
    }
    if (Date.now() > deadline) {
      throw new Error(`timed out waiting for ${opts.what ?? 'condition'}${last ? `: ${(last as Error).message}` : ''}`);
    }
    await new Promise((r) => setTimeout(r, opts.intervalMs ?? 50));
  }
}

export const REPO_ROOT = path.resolve(path.dirname(new URL(import.meta.url).pathname), '..', '..');
export const STANDIN = path.join(REPO_ROOT, 'dist', 'standin.js');
export const FLEET_BIN = path.join(REPO_ROOT, 'bin', 'fleet.js');
