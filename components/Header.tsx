import React from 'react';
import { Box, Text } from 'ink';
import { useFleet, useFleetShallow } from '../hooks/useFleet.js';
import { STATE_ORDER, stateCounts } from '../src/store/selectors.js';
import { STATE_COLOR } from './layout.js';

/** Socket, supervisor/viewer, counts per state, run progress and a clock that only shows minutes. */
export function Header(): React.ReactElement {
  const socket = useFleet((s) => s.socket);
  const role = useFleet((s) => s.role);
  const readOnly = useFleet((s) => s.readOnly);
  const clock = useFleet((s) => new Date(s.now).toTimeString().slice(0, 5));
  const counts = useFleetShallow(stateCounts);
  const total = useFleet((s) => s.rowMap.size);
  const marks = useFleet((s) => s.ui.marks.size);
  const run = useFleet((s) => s.run);
  return (
    <Box>
      <Text wrap="truncate">
        <Text bold color="cyan">fleet</Text>
        {` ${socket} `}
        <Text color={role === 'supervisor' ? 'green' : 'yellow'}>{role}</Text>
        {readOnly ? <Text color="magenta"> read-only</Text> : null}
        {` │ ${total} agents`}
        {STATE_ORDER.filter((st) => counts[st]).map((st) => (
          <Text key={st}>
            {' '}
            <Text color={STATE_COLOR[st]}>{st}</Text>:{counts[st]}
          </Text>
        ))}
        {marks > 0 ? ` │ ${marks} marked` : ''}
        {run ? (
          <Text color={run.finished ? 'green' : 'yellow'}>{` │ broadcast ${run.done}/${run.total}${run.finished ? ' done' : '…'}`}</Text>
        ) : null}
        {` │ ${clock}`}
      </Text>
    </Box>
  );
}
