/**
 * Delivery throughput benchmark (opt-in; for `npm run bench`): N stand-in agents on a private
 * `fleet-bench-*` socket, one broadcast to all of them, every delivery verified. Returns the figures;
 * removes everything it made.
 *
 *   npx tsx -e "import('./src/delivery/bench.ts').then(m => m.benchBroadcast({ agents: 100 })).then(r => console.log(r))"
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { openContext } from '../context.js';
import { TmuxClient } from '../tmux/client.js';
import { claudeProjectDir } from '../runtimes/claude-paths.js';
import { broadcast, type RunSummary } from './broadcast.js';

export interface BenchOptions {
  agents?: number;
  /** Path of the built stand-in (dist/standin.js). */
  standin?: string;
  concurrency?: number;
  text?: string;
  /** Run the broadcast's captures and Enters over one control-mode connection (default true). */
  controlMode?: boolean;
}

export interface BenchResult {
  agents: number;
  /** Wall time of the broadcast alone (targets resolved, recorded, pasted, submitted, verified). */
  broadcastMs: number;
  setupMs: number;
  delivered: number;
  counts: RunSummary['counts'];
  tmuxSpawned: number;
  concurrency: number;
  controlMode: boolean;
}

export async function benchBroadcast(o: BenchOptions = {}): Promise<BenchResult> {
  const n = o.agents ?? 100;
  const standin = o.standin ?? path.resolve('dist', 'standin.js');
  if (!fs.existsSync(standin)) throw new Error(`${standin} missing: run node scripts/build.mjs first`);
  const root = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'fleet-bench-')));
  const socket = `fleet-bench-${process.pid}`;
  const home = path.join(root, 'claude');
  const names = Array.from({ length: n }, (_, i) => `b${String(i).padStart(3, '0')}`);
  const t0 = Date.now();
  const tmux = new TmuxClient(socket);
  try {
    const lines = names.map((name) => {
      const cwd = path.join(root, 'work', name);
      fs.mkdirSync(cwd, { recursive: true });
      return `  - name: ${name}\n    runtime: claude\n    cwd: ${cwd}\n    command: node ${standin} --work-ms 200\n    env: { CLAUDE_CONFIG_DIR: ${home} }\n`;
    });
    const roster = path.join(root, 'fleet.yaml');
    fs.writeFileSync(roster, `version: 1\ntmux: { socket: ${socket} }\nagents:\n${lines.join('')}`);
    const stateDir = path.join(root, 'state');
    await tmux.ensureHolder();
    for (let i = 0; i < names.length; i += 10) {
      await Promise.all(
        names.slice(i, i + 10).map((name) =>
          tmux.newSession({ name, cwd: path.join(root, 'work', name), command: `node ${standin} --work-ms 200`, env: { CLAUDE_CONFIG_DIR: home }, width: 120, height: 30 }),
        ),
      );
    }
    // Up = the stand-in wrote its session file and drew its composer.
    const deadline = Date.now() + 120_000;
    for (const name of names) {
      const dir = claudeProjectDir(path.join(root, 'work', name), { CLAUDE_CONFIG_DIR: home });
      for (;;) {
        if (fs.existsSync(dir) && fs.readdirSync(dir).length > 0 && (await tmux.capturePane(name)).includes('│ > ')) break;
        if (Date.now() > deadline) throw new Error(`bench: ${name} did not come up`);
        await new Promise((r) => setTimeout(r, 50));
      }
    }
    const setupMs = Date.now() - t0;
    const ctx = openContext({ socket, roster, stateDir });
    const before = ctx.tmux.runner.spawned;
    const concurrency = o.concurrency ?? 24;
    const t1 = Date.now();
    const controlMode = o.controlMode ?? true;
    const s = await broadcast(ctx, { selector: ['all'], text: o.text ?? 'benchmark: report your status in one line', concurrency, noWake: true, controlMode });
    const broadcastMs = Date.now() - t1;
    return { agents: n, broadcastMs, setupMs, delivered: s.counts.delivered ?? 0, counts: s.counts, tmuxSpawned: ctx.tmux.runner.spawned - before, concurrency, controlMode };
  } finally {
    await tmux.killServer().catch(() => undefined);
    fs.rmSync(root, { recursive: true, force: true });
  }
}
