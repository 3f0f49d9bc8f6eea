import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { Ledger } from '../../src/delivery/ledger.js';
import { makeTestFleet, standinAgents } from '../helpers/fleet-env.js';
import { FLEET_BIN, tmux, waitFor } from '../helpers/tmux.js';
import { userTurns } from './delivery-helpers.js';

/** A small seeded PRNG, so a failing round can be replayed (the seed is in the test output). */
function prng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function openRunState(ledgerFile: string, key: string): { id: number; open: string[] } | null {
  if (!fs.existsSync(ledgerFile)) return null;
  let l: Ledger | null = null;
  try {
    l = Ledger.open(ledgerFile, { readonly: true, busyTimeoutMs: 2000 });
    const run = l.listRuns(100).find((r) => r.idempotencyKey === key);
    if (!run) return null;
    return { id: run.id, open: l.deliveries(run.id).filter((d) => d.state === 'pending' || d.state === 'pasting').map((d) => `${d.agent}:${d.state}`) };
  } catch {
    return null;
  } finally {
    l?.close();
  }
}

describe('crash safety: kill -9 the broadcasting fleet at random moments', () => {
  it('every target ends with every text exactly once after resume', { timeout: 240_000 }, async () => {
    const seed = Number(process.env.FLEET_CRASH_SEED) || Date.now() % 100_000;
    console.log(`ledger-crash seed ${seed} (FLEET_CRASH_SEED=${seed} replays it)`);
    const rand = prng(seed);
    const names = ['c1', 'c2', 'c3', 'c4', 'c5'];
    const f = makeTestFleet();
    f.writeRoster(`version: 1\nagents:\n${standinAgents(f, names, `    env: { CLAUDE_CONFIG_DIR: ${f.claudeHome} }\n`)}`);
    for (const n of names) {
      expect((await f.fleet(['wake', n])).code).toBe(0);
      await waitFor(() => tmux(f.socket, 'capture-pane', '-p', '-t', `=${n}:`).includes('│ > '), { timeoutMs: 20_000 });
    }
    const ledgerFile = path.join(f.stateDir, 'ledger.sqlite');
    const texts: string[] = [];
    let interrupted = 0;
    const log: string[] = [];
    for (let round = 1; round <= 10; round++) {
      const text = `round ${round}: report status; then "continue" $(no) #(no)`;
      const key = `crash-${round}`;
      texts.push(text);
      if (round % 4 === 0) {
        // Two agents asleep this round: the kill may land mid-wake.
        for (const n of ['c4', 'c5']) tmux(f.socket, 'kill-session', '-t', `=${n}`);
      }
      const child = spawn(process.execPath, [FLEET_BIN, 'broadcast', 'all', '--text', text, '--idempotency-key', key], { env: f.env, stdio: 'ignore' });
      const exited = new Promise<void>((r) => child.on('exit', () => r()));
      // Half the rounds: a random moment from spawn (may land before the run exists);
      // the other half: a random moment after the run was recorded (mid-delivery).
      if (round % 2 === 0) {
        await waitFor(() => openRunState(ledgerFile, key), { timeoutMs: 20_000, intervalMs: 5 }).catch(() => null);
        await new Promise((r) => setTimeout(r, Math.floor(rand() * 250)));
      } else {
        await new Promise((r) => setTimeout(r, 200 + Math.floor(rand() * 1300)));
      }
      child.kill('SIGKILL');
      await exited;
      const left = openRunState(ledgerFile, key);
      if (left && left.open.length) interrupted++;
      log.push(`round ${round}: ${left ? `run ${left.id} left ${left.open.join(' ') || 'nothing open'}` : 'no run yet'}`);

      // The next fleet process finishes it: `runs resume`, or any verb (here `ls`).
      const next = round % 4 === 2 ? await f.fleet(['ls']) : await f.fleet(['runs', 'resume']);
      expect(next.code, `${log.join('\n')}\n${next.stderr}`).toBe(0);
      if (left) expect(openRunState(ledgerFile, key)?.open, `the next process finished run ${left.id}`).toEqual([]);
      if (left?.open.length && round % 4 === 2) expect(next.stderr).toMatch(new RegExp(`finished interrupted run ${left.id}`));
      // Rerunning with the same key never sends twice (and sends if the kill came before the run existed).
      const again = await f.fleet(['broadcast', 'all', '--text', text, '--idempotency-key', key, '--json']);
      expect(again.code, `${log.join('\n')}\n${again.stderr}`).toBe(0);

      for (const n of names) {
        const turns = userTurns(f, n);
        for (const t of texts) expect(turns.filter((x) => x === t), `${n} ${JSON.stringify(t)}\n${log.join('\n')}`).toHaveLength(1);
      }
    }
    console.log(log.join('\n'));
    expect(interrupted, log.join('\n')).toBeGreaterThan(0);
    const l = Ledger.open(ledgerFile, { readonly: true });
    const runs = l.listRuns(100);
    expect(runs).toHaveLength(10);
    for (const r of runs) {
      expect(r.state).toBe('finished');
      expect(l.deliveries(r.id).map((d) => d.state)).toEqual(names.map(() => 'delivered'));
    }
    l.close();
  });
});
