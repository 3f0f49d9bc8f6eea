export * from './types.js';
export * from './events.js';
export { reduce, initialState, initialUi, settleSelection } from './reducer.js';
export { recomputeRows, coarseAge, shortenCwd } from './rows.js';
export { visibleNames, stateCounts, gridHeight, actionTargets, matchesFilter, compareRows, STATE_ORDER } from './selectors.js';
export { createFleetStore, type FleetStore, type StoreOptions } from './store.js';
