import type { RuntimeAdapter } from '../domain/runtime.js';
import type { RuntimeName } from '../domain/types.js';

/** Adapter registry. Placeholder until the runtime adapters land: no transcript source. */
export function adapterFor(_runtime: RuntimeName): RuntimeAdapter | undefined {
  return undefined;
}
