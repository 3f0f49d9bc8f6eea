import fs from 'node:fs';
import type { FleetContext } from '../context.js';
import { ConfigError, didYouMean } from '../domain/errors.js';
import type { RuntimeAdapter } from '../domain/runtime.js';
import type { AgentSpec, PaneObs, TranscriptObs } from '../domain/types.js';
import type { DeliveryResult } from '../delivery/types.js';
import { adapterFor as realAdapterFor } from '../runtimes/index.js';
import { agentEnv } from '../runtimes/env.js';
import type { TmuxClient } from '../tmux/client.js';
import { sanitize } from '../domain/sanitize.js';
import { deliverToLive } from '../delivery/deliver.js';

export type DeliverFn = (tmux: TmuxClient, spec: AgentSpec, text: string, opts?: { verifyTimeoutMs?: number }) => Promise<DeliveryResult>;

/** Seams for tests (hand-written fakes); the defaults are the real thing. */
export interface LifecycleDeps {
  deliver: DeliverFn;
  adapterFor: (runtime: AgentSpec['runtime']) => RuntimeAdapter | undefined;
  now: () => number;
  sleep: (ms: number) => Promise<void>;
}

export const realDeps: LifecycleDeps = {
  deliver: deliverToLive,
  adapterFor: realAdapterFor,
  now: () => Date.now(),
  sleep: (ms) => new Promise((r) => setTimeout(r, ms)),
};

export function withDeps(d: Partial<LifecycleDeps> | undefined): LifecycleDeps {
  return { ...realDeps, ...(d ?? {}) };
}

/** Every lifecycle verb's result: `outcome` is verb-specific; `reason` says why when it is not plain success. */
export interface VerbResult {
  name: string;
  outcome: string;
  reason?: string;
}

/** The roster entry for `name`, or a ConfigError (exit 2) naming the roster and the closest name. */
export function findSpec(ctx: FleetContext, name: string): AgentSpec {
  const spec = ctx.roster.agents.find((a) => a.name === name);
  if (spec) return spec;
  const names = ctx.roster.agents.map((a) => a.name);
  const dym = didYouMean(name, names);
  throw new ConfigError(
    `unknown agent ${JSON.stringify(name)}: not in roster ${ctx.rosterPath}${dym ? ` (did you mean ${dym}?)` : names.length === 0 ? ' (the roster has no agents)' : ''}`,
  );
}

/** The agent's pane, from ONE list-panes call; undefined when it has no session (or the server is down). */
export async function paneOf(ctx: FleetContext, name: string): Promise<PaneObs | undefined> {
  const obs = await ctx.tmux.observe();
  return obs.server === 'up' ? obs.panes.get(name) : undefined;
}

/** Runtime home variables that decide where an agent writes its transcripts. */
const RUNTIME_HOME_VARS = ['CLAUDE_CONFIG_DIR', 'CODEX_HOME', 'PI_CODING_AGENT_DIR', 'GEMINI_CLI_HOME'];

/**
 * Environment given to the agent's session (`new-session -e`): the roster's `env:`, plus fleet's own
 * runtime-home variables when set, so the agent writes its transcripts where fleet reads them even when
 * the tmux server was started from another environment.
 */
export function launchEnv(spec: AgentSpec, base: NodeJS.ProcessEnv = process.env): Record<string, string> {
  const env: Record<string, string> = {};
  for (const k of RUNTIME_HOME_VARS) {
    const v = base[k];
    if (v) env[k] = v;
  }
  return { ...env, ...spec.env };
}

/** Does fleet see this agent's transcripts? (A shell agent only when the roster names a `transcripts:` dir; as derive.ts.) */
export function hasTranscripts(deps: LifecycleDeps, spec: AgentSpec): boolean {
  if (!deps.adapterFor(spec.runtime)) return false;
  return !(spec.runtime === 'shell' && !spec.transcripts);
}

/** Can its runtime resume a session? (shell: no.) */
export function canResume(deps: LifecycleDeps, spec: AgentSpec): boolean {
  return spec.runtime !== 'shell' && hasTranscripts(deps, spec);
}

export async function scanOf(deps: LifecycleDeps, spec: AgentSpec): Promise<TranscriptObs | undefined> {
  const a = deps.adapterFor(spec.runtime);
  return a ? a.scan(spec, agentEnv(spec)) : undefined;
}

export function isDir(p: string): boolean {
  try {
    return fs.statSync(p).isDirectory();
  } catch {
    return false;
  }
}

/** Short, sanitised-by-construction text for reasons: the last non-blank lines of a screen. */
export function screenTail(screen: string, lines = 3): string {
  return screen
    .split('\n')
    .map((l) => sanitize(l, { singleLine: true }).trimEnd())
    .filter((l) => l.trim() !== '')
    .slice(-lines)
    .join(' | ')
    .slice(0, 300);
}

/**
 * Waits until the pane's screen holds still for `stableMs` (3× that while blank): the agent is up and
 * reading input; or until `timeoutMs` passes. Returns the last screen, or null when the pane died.
 */
export async function waitPaneSettled(
  ctx: FleetContext,
  deps: LifecycleDeps,
  name: string,
  timeoutMs: number,
  stableMs = 600,
): Promise<{ screen: string; dead: boolean; settled: boolean }> {
  const deadline = deps.now() + timeoutMs;
  let last = '';
  let since = deps.now();
  for (;;) {
    const pane = await paneOf(ctx, name);
    if (!pane || pane.dead) {
      let screen = '';
      if (pane) screen = await ctx.tmux.capturePane(name).catch(() => '');
      return { screen, dead: true, settled: false };
    }
    const screen = await ctx.tmux.capturePane(name).catch(() => '');
    const now = deps.now();
    if (screen !== last) {
      last = screen;
      since = now;
    } else if (now - since >= (screen.trim() !== '' ? stableMs : 3 * stableMs)) {
      // a program that draws nothing (a plain shell command) counts as up once it stays blank a while
      return { screen, dead: false, settled: true };
    }
    if (now >= deadline) return { screen, dead: false, settled: false };
    await deps.sleep(150);
  }
}
