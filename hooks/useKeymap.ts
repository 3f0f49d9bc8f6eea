import { useContext } from 'react';
import { useInput } from 'ink';
import { ActionsContext } from './context.js';

/**
 * THE one useInput of the app (called once, by <App>). The handler is the actions object's stable
 * `onInput`, so Ink never re-subscribes; the key table decides what each chord does.
 */
export function useKeymap(): void {
  const actions = useContext(ActionsContext);
  if (!actions) throw new Error('useKeymap outside <App>: no actions in context');
  useInput(actions.onInput);
}
