import React from 'react';
import { Text } from 'ink';
import { useFleet } from '../hooks/useFleet.js';
import { sanitize } from '../src/domain/sanitize.js';

/** The newest toast (results and errors of actions); older ones expire. */
export function Toasts(): React.ReactElement {
  const toast = useFleet((s) => s.ui.toasts[s.ui.toasts.length - 1]);
  if (!toast) return <Text> </Text>;
  return (
    <Text color={toast.level === 'error' ? 'red' : 'green'} wrap="truncate">
      {`${toast.level === 'error' ? '✗' : '✓'} ${sanitize(toast.text, { singleLine: true })}`}
    </Text>
  );
}
