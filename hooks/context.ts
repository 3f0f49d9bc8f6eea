import { createContext } from 'react';
import type { Actions } from '../src/actions.js';
import type { FleetStore } from '../src/store/store.js';

/** The injected store and actions: the composition root (or a render test) provides them. */
export const StoreContext = createContext<FleetStore | null>(null);
export const ActionsContext = createContext<Actions | null>(null);
