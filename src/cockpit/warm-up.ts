/**
 * `fleet --warm-code-cache` (internal; run by `npm run build`): walks the path to `fleet top`'s first frame
 * without a terminal — the context opened on a roster and a state dir of its own in a temp dir, the first
 * list-panes asked of a private socket with no server (tmux is never started), React and Ink loaded, the
 * grid drawn on a fake terminal, a few keys — then asks bin/fleet.js to save V8's compiled code. The build
 * points it at dist/code-cache/, which the launcher reads while the state dir has no cache yet, so the
 * first `fleet top` after a build (and every `fleet top --demo`, which keeps no cache of its own) starts
 * nearly as fast as later ones (docs/BENCH.md "Start-up"). It touches nothing of the operator's and removes
 * its temp dir.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { PaneObs, TmuxObservation } from '../domain/types.js';
import { createFleetStore, initialState } from '../store/index.js';
import { startupMarks } from '../domain/startup-marks.js';
import { loadCockpit, prepareCockpit } from './load.js';

const AGENTS = 60;

/** A roster in the shape `fleet init` writes (cwd: the temp dir, which exists). */
function rosterText(cwd: string): string {
  const lines = ['version: 1', 'defaults:', '  runtime: claude', `  cwd: ${JSON.stringify(cwd)}`, 'agents:'];
  for (let i = 0; i < AGENTS; i++) lines.push(`  - name: agent-${i}`, `    class: ${i % 2 ? 'reviewer' : 'implementer'}`, `    tags: [t${i % 3}]`);
  return `${lines.join('\n')}\n`;
}

export async function warmUpCockpit(): Promise<void> {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'fleet-warm-up-'));
  try {
    const roster = path.join(tmp, 'fleet.yaml');
    fs.writeFileSync(roster, rosterText(tmp));
    // As `fleet top` does: the context and the first list-panes, then the React/Ink chunk.
    const { ctx, firstObs } = prepareCockpit({ roster, stateDir: path.join(tmp, 'state'), socket: `fleet-warm-up-${process.pid}` });
    await loadCockpit();
    await firstObs; // no server on that socket: a "down" observation (or null without tmux)
    const { createCockpitForBench } = await import('./bench-hooks.js');
    const now = Date.now();
    const panes = new Map<string, PaneObs>();
    ctx.roster.agents.forEach((a, i) => {
      if (i % 5 === 4) return; // some asleep
      panes.set(a.name, { session: a.name, sessionId: `$${i}`, paneId: `%${i}`, pid: 1000 + i, dead: i % 7 === 3, deadStatus: i % 7 === 3 ? 1 : null, activityMs: now - i * 1000, createdMs: now - 3_600_000, attached: 0 });
    });
    const tmux: TmuxObservation = { server: 'up', at: now, panes };
    const store = createFleetStore(initialState({ socket: ctx.socket, home: tmp, now }), { batchMs: 0 });
    store.dispatch({ type: 'roster', roster: ctx.roster }, { type: 'tmux', obs: tmux });
    const cockpit = createCockpitForBench({ store, cols: 200, rows: 60 });
    try {
      for (const key of ['j', 'k', 'G', 'g', 'o', '?', '\u001b']) await cockpit.press(key).catch(() => 0);
    } finally {
      cockpit.unmount();
    }
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
  }
  (globalThis as { __fleetSaveCodeCache?: () => void }).__fleetSaveCodeCache?.();
  if (process.env.FLEET_BENCH_FIRST_FRAME === '1') process.stderr.write(`fleet: warm-up done (${startupMarks()})\n`);
}
