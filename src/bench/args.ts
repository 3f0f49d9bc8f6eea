/** `npm run bench` options. A bad flag is a usage error (exit 2) naming the flag and the value. */
export class BenchUsageError extends Error {
  override name = 'BenchUsageError';
}

export interface Opts {
  ns: number[];
  windowMs: number;
  ticks: number;
  keys: number;
  writes: number;
  /** More starts of fleet top per N and roster case, for the first-frame median and p95. */
  starts: number;
  broadcast: number;
  write: boolean;
  nodeArgs: string | undefined;
  /** Only the fleet top phase, with these sources (profiling, quick checks). */
  cockpitOnly: ('control' | 'poll')[] | null;
}

export function parseArgs(argv: string[]): Opts {
  const o: Opts = { ns: [50, 200, 500], windowMs: 12_000, ticks: 30, keys: 40, writes: 15, starts: 5, broadcast: 100, write: false, nodeArgs: undefined, cockpitOnly: null };
  const num = (flag: string, v: string | undefined, min: number, max: number): number => {
    const n = Number(v);
    if (!Number.isInteger(n) || n < min || n > max) throw new BenchUsageError(`${flag}: expected a whole number ${min}–${max}, got ${JSON.stringify(v)}`);
    return n;
  };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    const v = (): string | undefined => argv[++i];
    if (a === '--n') o.ns = (v() ?? '').split(',').map((s) => num('--n', s, 1, 2000));
    else if (a === '--window-ms') o.windowMs = num(a, v(), 1000, 600_000);
    else if (a === '--ticks') o.ticks = num(a, v(), 3, 10_000);
    else if (a === '--keys') o.keys = num(a, v(), 0, 10_000);
    else if (a === '--writes') o.writes = num(a, v(), 0, 1000);
    else if (a === '--starts') o.starts = num(a, v(), 0, 100);
    else if (a === '--broadcast') o.broadcast = num(a, v(), 0, 1000);
    else if (a === '--write') o.write = true;
    else if (a === '--node-args') o.nodeArgs = v();
    else if (a === '--cockpit-only') o.cockpitOnly = (v() ?? '').split(',').map((x) => {
      if (x !== 'control' && x !== 'poll') throw new BenchUsageError(`--cockpit-only: expected control and/or poll, got ${JSON.stringify(x)}`);
      return x;
    });
    else if (a === '--quick') Object.assign(o, { ns: [20, 50], windowMs: 4000, ticks: 10, keys: 10, writes: 4, starts: 2, broadcast: 10 });
    else throw new BenchUsageError(`unknown option ${a} (see the header of src/bench/main.ts)`);
  }
  o.ns.sort((a, b) => a - b);
  return o;
}

