import React from 'react';
import { Text } from 'ink';
import { useFleetShallow } from '../hooks/useFleet.js';
import { sanitize } from '../src/domain/sanitize.js';

/** The two newest toasts (results and errors of actions); they expire after a few seconds. */
export function Toasts(): React.ReactElement {
  const toasts = useFleetShallow((s) => s.ui.toasts.slice(-2));
  if (toasts.length === 0) return <Text> </Text>;
  return (
    <>
      {toasts.map((t) => (
        <Text key={t.id} color={t.level === 'error' ? 'red' : 'green'} wrap="truncate">
          {`${t.level === 'error' ? '✗' : '✓'} ${sanitize(t.text, { singleLine: true })}`}
        </Text>
      ))}
    </>
  );
}
