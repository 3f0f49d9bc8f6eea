import { useFleetShallow } from './useFleet.js';

/** Terminal size as the store knows it (the composition root dispatches `resize` events). */
export function useTerminalSize(): { cols: number; rows: number } {
  return useFleetShallow((s) => ({ cols: s.cols, rows: s.rows }));
}
