import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';

/** CPU accounting from the OS (/proc), so child tmux clients and the tmux server are counted too. */

let clkTck: number | undefined;
export function clockTicks(): number {
  if (clkTck === undefined) {
    try {
      clkTck = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
    } catch {
      clkTck = 100;
    }
  }
  return clkTck;
}

export interface ProcCpu {
  /** utime + stime of the process itself (ms). */
  self: number;
  /** cutime + cstime: children it has already waited for (ms). */
  reaped: number;
}

/** null when the process is gone. */
export function procCpu(pid: number): ProcCpu | null {
  let stat: string;
  try {
    stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return null;
  }
  // Fields after the ")" that closes comm: state is field 3; utime/stime/cutime/cstime are fields 14–17.
  const rest = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const f = (n: number): number => Number(rest[n - 3] ?? 0);
  const ms = 1000 / clockTicks();
  return { self: (f(14) + f(15)) * ms, reaped: (f(16) + f(17)) * ms };
}

/** Live descendants of pid (children of every thread, recursively). */
export function descendants(pid: number): number[] {
  const out: number[] = [];
  const walk = (p: number): void => {
    let tasks: string[];
    try {
      tasks = fs.readdirSync(`/proc/${p}/task`);
    } catch {
      return;
    }
    for (const t of tasks) {
      let kids: string;
      try {
        kids = fs.readFileSync(`/proc/${p}/task/${t}/children`, 'utf8');
      } catch {
        continue;
      }
      for (const k of kids.split(' ').filter(Boolean)) {
        out.push(Number(k));
        walk(Number(k));
      }
    }
  };
  walk(pid);
  return out;
}

/** Total CPU (ms) of a process tree: the process, its reaped children, and its live descendants. */
export function treeCpu(pid: number): number {
  const root = procCpu(pid);
  if (!root) return 0;
  let total = root.self + root.reaped;
  for (const d of descendants(pid)) {
    const c = procCpu(d);
    if (c) total += c.self; // their reaped children show up in their own cutime once they exit
  }
  return total;
}

/** Resident set size in MB (VmRSS), or null. */
export function rssMb(pid: number): number | null {
  try {
    const m = /VmRSS:\s+(\d+) kB/.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) / 1024 : null;
  } catch {
    return null;
  }
}

export function machine(): Record<string, string> {
  const cpus = os.cpus();
  let tmuxV = 'unknown';
  try {
    tmuxV = execFileSync('tmux', ['-V'], { encoding: 'utf8' }).trim();
  } catch {
    /* reported as unknown */
  }
  return {
    cpu: `${cpus[0]?.model ?? 'unknown'} × ${cpus.length} (${os.availableParallelism()} usable)`,
    memory: `${(os.totalmem() / 2 ** 30).toFixed(1)} GiB`,
    os: `${os.type()} ${os.release()} ${os.arch()}`,
    node: process.version,
    tmux: tmuxV,
    load: os.loadavg().map((l) => l.toFixed(2)).join(' '),
  };
}

export function median(xs: readonly number[]): number {
  return quantile(xs, 0.5);
}
export function quantile(xs: readonly number[], q: number): number {
  if (xs.length === 0) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  const i = Math.min(s.length - 1, Math.max(0, Math.ceil(q * s.length) - 1));
  return s[i]!;
}
