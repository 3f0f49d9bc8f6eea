import React, { useMemo } from 'react';
import { Box, Text } from 'ink';
import { useFleet, useFleetShallow } from '../hooks/useFleet.js';
import { gridHeight, visibleNames } from '../src/store/selectors.js';
import type { DeliveryMark, RowView } from '../src/store/types.js';
import { AgentRow } from './AgentRow.js';
import { ColumnTitles } from './ColumnTitles.js';
import { columnWidths } from './layout.js';

/** The fleet grid, virtualised: only the rows inside the scroll window are rendered. */
export function Grid(): React.ReactElement {
  const cols = useFleet((s) => s.cols);
  const sort = useFleet((s) => s.ui.sort);
  const height = useFleet(gridHeight);
  const total = useFleet((s) => visibleNames(s).length);
  const empty = useFleet((s) => s.order.length === 0);
  const filter = useFleet((s) => s.ui.filter);
  // One flat shallow-compared list [name, row, marked, delivery, …] for the rows in the window:
  // the grid re-renders only when something in the window changed.
  const flat = useFleetShallow((s) => {
    const vis = visibleNames(s);
    const out: unknown[] = [];
    for (const n of vis.slice(s.ui.scrollTop, s.ui.scrollTop + gridHeight(s))) {
      out.push(n, s.rowMap.get(n), s.ui.marks.has(n), s.deliveries.get(n));
    }
    return out;
  });
  const selected = useFleet((s) => s.ui.selected);
  const widths = useMemo(() => columnWidths(cols), [cols]);

  return (
    <Box flexDirection="column" height={height + 1}>
      <ColumnTitles cols={widths} sort={sort} />
      {total === 0 ? (
        <Text dimColor>{empty ? 'no agents in the roster (fleet init writes an example)' : `no agent matches the filter "${filter}" (Esc clears it)`}</Text>
      ) : null}
      {Array.from({ length: flat.length / 4 }, (_, i) => {
        const name = flat[i * 4] as string;
        const row = flat[i * 4 + 1] as RowView | undefined;
        const marked = flat[i * 4 + 2] as boolean;
        const delivery = flat[i * 4 + 3] as DeliveryMark | undefined;
        return row ? <AgentRow key={name} row={row} selected={name === selected} marked={marked} delivery={delivery} cols={widths} /> : null;
      })}
    </Box>
  );
}
