import { execFile } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { claudeProjectDir } from '../runtimes/claude-paths.js';
import type { ControlClient } from '../tmux/control.js';
import { tmuxClientEnv } from '../tmux/runner.js';
import type { SynthFleet } from './synth.js';
import { shq } from './report.js';

export interface BroadcastResult {
  wallMs: number;
  delivered: number;
  total: number;
  counts: Record<string, number>;
  exitCode: number;
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/**
 * `fleet broadcast` (the built CLI, the real ledger and verification) to k live stand-in agents
 * (dist/standin.js) started on the bench socket next to the synthetic fleet.
 */
export async function measureBroadcast(f: SynthFleet, ctl: ControlClient, o: { k: number; fleetBin: string; standin: string }): Promise<BroadcastResult> {
  const dir = path.join(f.root, 'broadcast');
  const stateDir = path.join(dir, 'state');
  const roster = path.join(dir, 'fleet.yaml');
  const names = Array.from({ length: o.k }, (_, i) => `b${String(i).padStart(3, '0')}`);
  const cwd = (n: string): string => path.join(dir, 'work', n);
  const env = { ...process.env, CLAUDE_CONFIG_DIR: f.claudeHome };
  const lines = ['version: 1', `tmux: { socket: ${f.socket} }`, 'agents:'];
  for (const n of names) {
    fs.mkdirSync(cwd(n), { recursive: true });
    lines.push(`  - name: ${n}`, '    runtime: claude', `    cwd: ${cwd(n)}`, `    command: ${JSON.stringify(`${shq(process.execPath)} ${shq(o.standin)} --work-ms 300`)}`,
      `    env: { CLAUDE_CONFIG_DIR: ${JSON.stringify(f.claudeHome)} }`);
  }
  fs.writeFileSync(roster, lines.join('\n') + '\n');
  try {
    for (let i = 0; i < names.length; i += 25) {
      const args: string[] = [];
      for (const n of names.slice(i, i + 25)) {
        if (args.length) args.push(';');
        args.push('new-session', '-d', '-s', n, '-x', '120', '-y', '30', '-c', cwd(n), '-e', `CLAUDE_CONFIG_DIR=${f.claudeHome}`, `${shq(process.execPath)} ${shq(o.standin)} --work-ms 300`);
      }
      const r = await ctl.run(args, { timeoutMs: 30_000 });
      if (r.exitCode !== 0) throw new Error(`cannot start stand-ins: ${r.stderr.trim()}`);
    }
    // Ready: every stand-in wrote its start record and drew its composer.
    const deadline = Date.now() + 90_000;
    for (;;) {
      const missing = names.filter((n) => {
        const d = claudeProjectDir(cwd(n), env);
        return !fs.existsSync(d) || !fs.readdirSync(d).some((x) => x.endsWith('.jsonl'));
      });
      if (missing.length === 0) break;
      if (Date.now() > deadline) throw new Error(`${missing.length} stand-ins did not start within 90 s (${missing.slice(0, 3).join(', ')}…)`);
      await sleep(250);
    }
    await sleep(1_000);
    const t0 = performance.now();
    const out = await new Promise<{ code: number; stdout: string; stderr: string }>((resolve) => {
      execFile(process.execPath, [o.fleetBin, 'broadcast', 'b*', '--no-wake', '--json', '--text', 'bench: reply with ok', '--roster', roster, '--socket', f.socket, '--state-dir', stateDir],
        { env: { ...tmuxClientEnv(), CLAUDE_CONFIG_DIR: f.claudeHome }, timeout: 120_000, maxBuffer: 32 * 1024 * 1024 },
        (err, stdout, stderr) => resolve({ code: err ? (typeof (err as { code?: unknown }).code === 'number' ? (err as { code: number }).code : 1) : 0, stdout: String(stdout), stderr: String(stderr) }));
    });
    const wallMs = performance.now() - t0;
    let counts: Record<string, number> = {};
    try {
      counts = (JSON.parse(out.stdout) as { counts: Record<string, number> }).counts;
    } catch {
      throw new Error(`fleet broadcast printed no JSON (exit ${out.code}): ${out.stderr.trim().slice(0, 300)}`);
    }
    return { wallMs, delivered: counts.delivered ?? 0, total: o.k, counts, exitCode: out.code };
  } finally {
    await ctl.runMany(names.map((n) => ['kill-session', '-t', `=${n}`]), { timeoutMs: 30_000 });
  }
}
