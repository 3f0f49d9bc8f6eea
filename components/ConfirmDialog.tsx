import React from 'react';
import { Box, Text } from 'ink';
import { Table } from '@alcalzone/ink-table';
import { useFleet, useFleetShallow } from '../hooks/useFleet.js';
import { sanitize } from '../src/domain/sanitize.js';

const VERB: Record<string, string> = { reset: 'Reset', stop: 'Stop', wake: 'Wake', start: 'Start', broadcast: 'Send to' };

/** Up to this many targets the dialog is a small table (ink-table) with what will happen to each. */
export const TABLE_MAX = 6;

/** What a broadcast will do to an agent in this state (as the delivery core's planFor decides). */
function plan(state: string | undefined): string {
  if (state === 'stopped' || state === 'external') return 'skip';
  if (state === 'asleep' || state === 'dead') return 'wake, then send';
  return 'send';
}

/** Asks before a dangerous action, listing the exact targets. */
export function ConfirmDialog(): React.ReactElement | null {
  const c = useFleet((s) => s.ui.confirm);
  const mode = useFleet((s) => s.ui.mode);
  const cols = useFleet((s) => s.cols);
  const rows = useFleet((s) => s.rows);
  const states = useFleetShallow((s) => (s.ui.confirm ? s.ui.confirm.targets.slice(0, TABLE_MAX + 1).map((n) => s.rowMap.get(n)?.state) : []));
  if (mode !== 'confirm' || !c) return null;
  const n = c.targets.length;
  // Names in as many columns as fit; every name is shown (up to what the screen can hold).
  const colW = Math.min(34, Math.max(...c.targets.map((t) => t.length)) + 2);
  const perLine = Math.max(1, Math.floor((cols - 4) / colW));
  const lines: string[] = [];
  for (let i = 0; i < n; i += perLine) lines.push(c.targets.slice(i, i + perLine).map((t) => t.padEnd(colW)).join(''));
  const maxLines = Math.max(2, rows - 12);
  const hidden = lines.length > maxLines ? lines.length - maxLines + 1 : 0;
  const shownLines = hidden ? [...lines.slice(0, maxLines - 1), `… and ${lines.length - maxLines + 1} more lines of names`] : lines;
  return (
    <Box flexDirection="column" borderStyle="double" borderColor="yellow" paddingX={1}>
      <Text bold color="yellow">{`${VERB[c.kind] ?? c.kind} ${n} agent${n === 1 ? '' : 's'}?`}</Text>
      {c.kind === 'broadcast' && c.text !== undefined ? (
        <Text wrap="truncate">{`task: ${sanitize(c.text, { singleLine: true, max: 300 })}`}</Text>
      ) : null}
      {n <= TABLE_MAX ? (
        <Table
          data={c.targets.map((name, i) => ({
            agent: name,
            state: states[i] ?? '-',
            will: c.kind === 'broadcast' ? plan(states[i]) : VERB[c.kind]!.toLowerCase(),
          }))}
        />
      ) : (
        shownLines.map((l, i) => (
          <Text key={i} wrap="truncate">
            {l}
          </Text>
        ))
      )}
      {c.unknown && c.unknown.length > 0 ? <Text color="red" wrap="truncate">{`matched nothing: ${c.unknown.join(' ')}`}</Text> : null}
      <Text>
        <Text bold>y</Text>/⏎ yes   <Text bold>n</Text>/esc no
      </Text>
    </Box>
  );
}
