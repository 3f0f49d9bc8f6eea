import React from 'react';
import { Box, Text } from 'ink';
import { useFleet } from '../hooks/useFleet.js';
import { bindings, keyLabel, type KeyBinding } from '../src/keymap.js';
import { MODES } from '../src/store/types.js';

const keysOf = (b: KeyBinding): string => b.keys.map(keyLabel).join(' ');
const labelOf = (b: KeyBinding): string => b.label + (b.dangerous ? ' !' : '');

/**
 * `?`: generated from the one key table. Grid keys in two aligned columns (ink-table draws a rule
 * between rows, which doubles the height), the other modes one line each. `!` marks actions that ask for confirmation (hidden by --read-only).
 */
export function HelpOverlay(): React.ReactElement | null {
  const mode = useFleet((s) => s.ui.mode);
  const readOnly = useFleet((s) => s.readOnly);
  if (mode !== 'help') return null;
  const grid = bindings('grid', readOnly);
  const half = Math.ceil(grid.length / 2);
  const cell = (b: KeyBinding | undefined): string => (b ? keysOf(b).padEnd(10) + labelOf(b).padEnd(30) : '');
  const lines = grid.slice(0, half).map((b, i) => cell(b) + cell(grid[half + i]));
  return (
    <Box flexDirection="column" flexShrink={0}>
      <Text bold>{`Keys — Esc closes; ! = asks first${readOnly ? '; read-only: dangerous actions hidden' : ''}`}</Text>
      {lines.map((l, i) => (
        <Text key={`g${i}`} wrap="truncate">{'  ' + l}</Text>
      ))}
      {MODES.filter((m) => m !== 'grid').map((m) => (
        <Text key={m} wrap="truncate">
          <Text bold>{`${m}: `}</Text>
          {bindings(m, readOnly)
            .map((b) => `${keysOf(b)} ${labelOf(b)}`)
            .join(' · ')}
          {m === 'filter' || m === 'command' || m === 'prompt' ? ' · other keys type' : ''}
        </Text>
      ))}
      <Text dimColor wrap="truncate">
        {(readOnly ? ':wake SEL  :start SEL' : ':wake SEL  :reset SEL  :stop SEL  :start SEL  :broadcast SEL') + '  :mark SEL  :sort state|name|activity  :filter TEXT  :q'}
      </Text>
      <Text dimColor wrap="truncate">SEL: names, globs (coder*), class:x, tag:x, state:idle, runtime:codex, @marked, all</Text>
    </Box>
  );
}
