/**
 * For the benchmark (and perf tests): the cockpit with an injected store on fake terminal streams,
 * and a timer from a key written to stdin to the frame Ink writes for it. No tmux, no watchers.
 */
import { EventEmitter } from 'node:events';
import type { AgentOps } from '../actions.js';
import type { FleetStore } from '../store/store.js';
import { buildApp, mountForBench } from './root.js';

class FakeStdout extends EventEmitter {
  isTTY = true;
  frames = 0;
  bytes = 0;
  constructor(
    public columns: number,
    public rows: number,
    private readonly onWrite: () => void,
  ) {
    super();
  }
  write(s: string): boolean {
    this.frames++;
    this.bytes += s.length;
    this.onWrite();
    return true;
  }
}

class FakeStdin extends EventEmitter {
  isTTY = true;
  isRaw = false;
  private queue: string[] = [];
  setRawMode(on: boolean): void {
    this.isRaw = on;
  }
  setEncoding(): void {}
  resume(): void {}
  pause(): void {}
  ref(): void {}
  unref(): void {}
  read(): string | null {
    return this.queue.shift() ?? null;
  }
  send(data: string): void {
    this.queue.push(data);
    this.emit('readable');
    this.emit('data', data);
  }
}

const noop = async (name: string) => ({ name, outcome: 'noop' });
const NOOP_OPS: AgentOps = {
  wake: noop,
  reset: noop,
  stop: noop,
  start: noop,
  attach: async () => undefined,
  broadcast: async () => undefined,
  resolveSelectors: (s) => ({ names: s, unknown: [] }),
  quit: () => undefined,
};

export interface BenchCockpit {
  /** Writes one key (e.g. 'j', '\u001b[B') and resolves with ms until the next frame was written. */
  press(key: string, timeoutMs?: number): Promise<number>;
  /** Frames and bytes Ink has written so far. */
  stats(): { frames: number; bytes: number };
  unmount(): void;
}

export function createCockpitForBench(o: { store: FleetStore; ops?: AgentOps; cols?: number; rows?: number }): BenchCockpit {
  let waiter: (() => void) | null = null;
  const stdout = new FakeStdout(o.cols ?? 200, o.rows ?? 55, () => {
    const w = waiter;
    waiter = null;
    w?.();
  });
  const stdin = new FakeStdin();
  o.store.dispatch({ type: 'resize', cols: stdout.columns, rows: stdout.rows - 1 });
  const app = buildApp(o.store, o.ops ?? NOOP_OPS);
  const unmount = mountForBench(app, { stdout: stdout as unknown as NodeJS.WriteStream, stdin: stdin as unknown as NodeJS.ReadStream });
  return {
    press(key, timeoutMs = 5000) {
      return new Promise((resolve, reject) => {
        const t0 = performance.now();
        const timer = setTimeout(() => {
          waiter = null;
          reject(new Error(`no frame within ${timeoutMs} ms after key ${JSON.stringify(key)}`));
        }, timeoutMs);
        waiter = () => {
          clearTimeout(timer);
          resolve(performance.now() - t0);
        };
        stdin.send(key);
      });
    },
    stats: () => ({ frames: stdout.frames, bytes: stdout.bytes }),
    unmount,
  };
}
