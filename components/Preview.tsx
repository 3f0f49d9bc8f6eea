import React from 'react';
import { Box, Text } from 'ink';
import { useFleet } from '../hooks/useFleet.js';
import { sanitize } from '../src/domain/sanitize.js';

/** The selected agent's pane, captured by the watcher and passed through the one sanitiser. */
export function Preview(): React.ReactElement | null {
  const on = useFleet((s) => s.ui.preview);
  const rows = useFleet((s) => s.rows);
  const cols = useFleet((s) => s.cols);
  const selected = useFleet((s) => s.ui.selected);
  const text = useFleet((s) => (s.ui.previewFor === s.ui.selected ? s.ui.previewText : null));
  if (!on) return null;
  const height = Math.max(6, Math.floor(rows / 3));
  const lines = text === null ? [] : sanitize(text).split('\n');
  while (lines.length > 0 && lines[lines.length - 1]!.trim() === '') lines.pop();
  const shown = lines.slice(-(height - 2)).map((l) => Array.from(l).slice(0, Math.max(1, cols - 4)).join(''));
  return (
    <Box flexDirection="column" height={height} borderStyle="single" borderColor="gray" overflow="hidden">
      <Text dimColor wrap="truncate">{`preview: ${selected ?? '-'}${text === null ? ' (no capture yet — asleep agents have no pane)' : ''}`}</Text>
      {shown.map((l, i) => (
        <Text key={i} wrap="truncate">
          {l || ' '}
        </Text>
      ))}
    </Box>
  );
}
