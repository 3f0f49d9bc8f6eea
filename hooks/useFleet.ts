import { useContext } from 'react';
import { useStore } from 'zustand';
import { useShallow } from 'zustand/react/shallow';
import type { CockpitState } from '../src/store/types.js';
import type { FleetStore } from '../src/store/store.js';
import { StoreContext } from './context.js';

function useFleetStore(): FleetStore {
  const store = useContext(StoreContext);
  if (!store) throw new Error('useFleet outside <App>: no store in context');
  return store;
}

/** Subscribes to one slice of the cockpit store; re-renders only when that slice changes (Object.is). */
export function useFleet<T>(selector: (s: CockpitState) => T): T {
  return useStore(useFleetStore().api, selector);
}

/** Same, for selectors that build arrays or objects: compared shallowly. */
export function useFleetShallow<T>(selector: (s: CockpitState) => T): T {
  return useStore(useFleetStore().api, useShallow(selector));
}
