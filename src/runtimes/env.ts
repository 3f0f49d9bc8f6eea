import type { AgentSpec } from '../domain/types.js';

/** The agent's effective environment: fleet's own, overlaid with the roster's `env:` for it. */
export function agentEnv(spec: AgentSpec, base: NodeJS.ProcessEnv = process.env): Record<string, string | undefined> {
  return { ...base, ...spec.env };
}
