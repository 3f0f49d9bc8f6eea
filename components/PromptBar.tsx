import React from 'react';
import { Box, Text } from 'ink';
import { useFleet } from '../hooks/useFleet.js';

/** The broadcast prompt: task text (Ctrl-J / Alt-Enter for a new line) and the target selector. */
export function PromptBar(): React.ReactElement | null {
  const mode = useFleet((s) => s.ui.mode);
  const prev = useFleet((s) => s.ui.prevMode);
  const text = useFleet((s) => s.ui.promptText);
  const targets = useFleet((s) => s.ui.promptTargets);
  const field = useFleet((s) => s.ui.promptField);
  if (mode !== 'prompt' && !(mode === 'confirm' && prev === 'prompt')) return null;
  const lines = text.split('\n');
  const shown = lines.slice(-2);
  return (
    <Box flexDirection="column" borderStyle="round" borderColor={field === 'text' ? 'cyan' : 'gray'} height={4}>
      <Text wrap="truncate">
        <Text bold color={field === 'targets' ? 'cyan' : 'gray'}>to: </Text>
        {targets}
        {field === 'targets' ? <Text inverse> </Text> : null}
        <Text dimColor>{lines.length > 2 ? `   (${lines.length} lines)` : ''}</Text>
      </Text>
      {shown.map((l, i) => (
        <Text key={i} wrap="truncate">
          {i === 0 ? '› ' : '  '}
          {l}
          {field === 'text' && i === shown.length - 1 ? <Text inverse> </Text> : null}
        </Text>
      ))}
    </Box>
  );
}
