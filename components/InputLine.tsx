import React from 'react';
import { Text } from 'ink';
import { useFleet } from '../hooks/useFleet.js';

/** The `/` filter and `:` command lines. */
export function InputLine(): React.ReactElement | null {
  const mode = useFleet((s) => s.ui.mode);
  const input = useFleet((s) => s.ui.input);
  const filter = useFleet((s) => s.ui.filter);
  if (mode === 'filter') return <Text wrap="truncate">{`/${input}`}<Text inverse> </Text></Text>;
  if (mode === 'command') return <Text wrap="truncate">{`:${input}`}<Text inverse> </Text></Text>;
  if (filter) return <Text dimColor wrap="truncate">{`filter: ${filter}  (Esc clears)`}</Text>;
  return null;
}
