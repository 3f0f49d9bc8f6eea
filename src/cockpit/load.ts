import { openContext, type ContextOptions, type FleetContext } from '../context.js';
import type { TmuxObservation } from '../domain/types.js';
import { startupMark } from '../domain/startup-marks.js';

const FIRST_OBS_WAIT_MS = 250;

export interface PreparedCockpit {
  ctx: FleetContext;
  /** The first list-panes, bounded so a hung server never holds the screen back (null: late or failed). */
  firstObs: Promise<TmuxObservation | null>;
}

/**
 * Opens the context (roster errors throw here, before the screen changes) and starts the one list-panes the
 * first frame shows — before the React/Ink chunk loads, so tmux answers while that compiles.
 */
export function prepareCockpit(globals: ContextOptions): PreparedCockpit {
  const ctx = openContext(globals);
  startupMark('context');
  const firstObs = Promise.race([
    ctx.tmux.observe(),
    new Promise<null>((r) => setTimeout(() => r(null), FIRST_OBS_WAIT_MS).unref()),
  ]).catch(() => null);
  return { ctx, firstObs };
}

/**
 * Loads the cockpit (React and Ink) on demand, so every other verb starts fast.
 *
 * Ink decides once, when it is first imported, whether it runs under CI (`CI` or
 * `CONTINUOUS_INTEGRATION` set and not "0"/"false") and then draws no interactive frames at all — the
 * cockpit would stay blank for an operator whose shell sets CI, and in every CI run of our own tests.
 * `fleet top` only ever runs on a terminal (it refuses otherwise), so that guess is hidden from Ink
 * while its modules load, and the environment is put back right after: agents fleet launches see it
 * unchanged.
 */
export async function loadCockpit(): Promise<typeof import('./root.js').runCockpit> {
  const keys = ['CI', 'CONTINUOUS_INTEGRATION'] as const;
  const saved = keys.map((k) => [k, process.env[k]] as const);
  for (const k of keys) process.env[k] = 'false';
  startupMark('load cockpit');
  try {
    return (await import('./root.js')).runCockpit;
  } finally {
    for (const [k, v] of saved) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
  }
}
