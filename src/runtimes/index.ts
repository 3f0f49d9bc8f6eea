import type { RuntimeAdapter } from '../domain/runtime.js';
import type { RuntimeName } from '../domain/types.js';
import { claude } from './claude.js';
import { codex } from './codex.js';
import { gemini } from './gemini.js';
import { pi } from './pi.js';
import { shell } from './shell.js';
import type { TranscriptAdapter } from './types.js';

const ADAPTERS: Record<RuntimeName, TranscriptAdapter> = { claude, codex, pi, gemini, shell };

/** The runtime adapter for `runtime` (DESIGN §4). */
export function adapterFor(runtime: RuntimeName): RuntimeAdapter | undefined {
  return ADAPTERS[runtime];
}

/** The same adapter with the watcher's extras (watch depth, file ownership, turn markers). */
export function transcriptAdapterFor(runtime: RuntimeName): TranscriptAdapter | undefined {
  return ADAPTERS[runtime];
}

export type { TranscriptAdapter } from './types.js';
