import type { RuntimeAdapter } from '../domain/runtime.js';
import type { RuntimeName } from '../domain/types.js';
import { claude } from './claude.js';
import type { TranscriptAdapter } from './types.js';

const ADAPTERS: Partial<Record<RuntimeName, TranscriptAdapter>> = {
  claude,
};

/** The runtime adapter for `runtime` (DESIGN §4). */
export function adapterFor(runtime: RuntimeName): RuntimeAdapter | undefined {
  return ADAPTERS[runtime];
}

/** The same adapter with the watcher's extras (watch depth, file ownership, turn markers). */
export function transcriptAdapterFor(runtime: RuntimeName): TranscriptAdapter | undefined {
  return ADAPTERS[runtime];
}

export type { TranscriptAdapter } from './types.js';
