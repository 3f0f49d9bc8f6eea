import { deriveState } from '../domain/derive.js';
import { HOLDER_SESSION } from '../domain/names.js';
import type { AgentRow, AgentSpec, PaneObs, Roster, ScreenObs, TmuxObservation, TranscriptObs } from '../domain/types.js';
import type { FleetContext } from '../context.js';
import { adapterFor } from '../runtimes/index.js';
import { agentEnv } from '../runtimes/env.js';
import { readAgentFiles } from '../state/files.js';
import { captureScreens, screenCheckable, settled, type CaptureTarget } from './screens.js';
import type { StatePaths } from '../state/paths.js';

const iso = (ms: number | null | undefined): string | null =>
  ms === null || ms === undefined || !Number.isFinite(ms) ? null : new Date(ms).toISOString();

/** Scans one agent's transcripts through its runtime adapter (undefined when the runtime has none). */
export async function scanTranscript(spec: AgentSpec): Promise<TranscriptObs | undefined> {
  const a = adapterFor(spec.runtime);
  return a ? a.scan(spec, agentEnv(spec)) : undefined;
}

export interface RowInputs {
  roster: Roster;
  paths: StatePaths;
  tmux: TmuxObservation;
  transcripts: ReadonlyMap<string, TranscriptObs | undefined>;
  screens?: ReadonlyMap<string, ScreenObs>;
  now: number;
}

/** Rows for every roster agent, then one `stray` row per unnamed session (never the holder). */
export function buildRows(i: RowInputs): AgentRow[] {
  const panes: ReadonlyMap<string, PaneObs> = i.tmux.server === 'up' ? i.tmux.panes : new Map();
  const rows: AgentRow[] = [];
  const named = new Set<string>();
  for (const spec of i.roster.agents) {
    named.add(spec.name);
    const pane = panes.get(spec.name);
    const files = readAgentFiles(i.paths, spec.name);
    const d = deriveState({
      spec,
      defaults: i.roster.defaults,
      pane,
      serverUp: i.tmux.server === 'up',
      transcript: i.transcripts.get(spec.name),
      screen: i.screens?.get(spec.name),
      files,
      now: i.now,
    });
    rows.push({
      name: spec.name,
      runtime: spec.runtime,
      state: d.state,
      session: pane ? spec.name : null,
      cwd: spec.cwd,
      class: spec.class ?? null,
      tags: [...spec.tags],
      lastActivityAt: iso(d.lastActivityMs),
      stateSince: iso(d.since),
      pid: pane && !pane.dead ? pane.pid : null,
      stopped: files.stopped,
      managed: spec.managed,
    });
  }
  for (const pane of panes.values()) {
    if (named.has(pane.session) || pane.session === HOLDER_SESSION || pane.session.startsWith('_')) continue;
    rows.push({
      name: pane.session,
      runtime: null,
      state: 'stray',
      session: pane.session,
      cwd: null,
      class: null,
      tags: [],
      lastActivityAt: iso(pane.activityMs),
      stateSince: iso(pane.createdMs),
      pid: pane.dead ? null : pane.pid,
      stopped: false,
      managed: null,
    });
  }
  return rows;
}

/**
 * Which live agents a one-shot `fleet ls` screen-checks (it has no previous activity to compare): those whose
 * runtime shows waiting prompts, whose pane output has settled into an earlier second (so the capture is
 * trusted), and whose transcript does not rule a question out (a closed turn, or for Claude a last record that is
 * a prompt rather than a pending tool call). All of them in one chained tmux call (batched).
 */
export function lsScreenTargets(
  roster: Roster,
  tmux: TmuxObservation,
  transcripts: ReadonlyMap<string, TranscriptObs | undefined>,
  now: number,
): CaptureTarget[] {
  if (tmux.server !== 'up') return [];
  const out: CaptureTarget[] = [];
  for (const spec of roster.agents) {
    const pane = tmux.panes.get(spec.name);
    const adapter = screenCheckable(spec, pane);
    if (!adapter || !pane || !settled(pane, now)) continue;
    const t = transcripts.get(spec.name);
    if (t?.turnOpen === false || t?.mayAsk === false) continue;
    out.push({ name: spec.name, adapter });
  }
  return out;
}

/**
 * Rows from one tmux observation the caller already made: one transcript scan per agent, then ONE chained
 * screen capture for the agents that may be waiting (lsScreenTargets). `fleet ls` calls this.
 */
export async function rowsFromObservation(ctx: FleetContext, tmux: TmuxObservation, now: number): Promise<AgentRow[]> {
  const transcripts = new Map<string, TranscriptObs | undefined>();
  await Promise.all(
    ctx.roster.agents.map(async (spec) => {
      transcripts.set(spec.name, await scanTranscript(spec));
    }),
  );
  const screens = await captureScreens(ctx.tmux, lsScreenTargets(ctx.roster, tmux, transcripts, Date.now()));
  return buildRows({ roster: ctx.roster, paths: ctx.paths, tmux, transcripts, screens, now: Math.max(now, Date.now()) });
}

/** One full observation of the fleet: ONE tmux call, one transcript scan per agent, state files, one screen call. */
export async function snapshot(ctx: FleetContext, now = Date.now()): Promise<AgentRow[]> {
  return rowsFromObservation(ctx, await ctx.tmux.observe(now), now);
}
