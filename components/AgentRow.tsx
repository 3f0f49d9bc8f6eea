import React, { memo } from 'react';
import { Text } from 'ink';
import type { DeliveryMark, RowView } from '../src/store/types.js';
import { DELIVERY_COLOR, DELIVERY_GLYPH, STATE_COLOR, fit, fitLeft, type Columns } from './layout.js';

export interface AgentRowProps {
  row: RowView;
  selected: boolean;
  marked: boolean;
  delivery: DeliveryMark | undefined;
  cols: Columns;
}

/** One grid line. Memoised: it renders again only when its row object, flags or widths change. */
function AgentRowView({ row, selected, marked, delivery, cols }: AgentRowProps): React.ReactElement {
  const group = [row.class, ...row.tags.map((t) => `#${t}`)].filter(Boolean).join(' ');
  const head = (selected ? '›' : ' ') + (marked ? '● ' : '  ') + fit(row.name, cols.name) + fit(row.runtime ?? '-', cols.runtime);
  const mid = fit(row.sinceText, cols.since) + fit(row.activityText, cols.activity) + fit(group || '-', cols.group) + fitLeft(row.cwd ?? '-', cols.cwd);
  const deliveryText = delivery ? (DELIVERY_GLYPH[delivery.state] ?? delivery.state) + (delivery.reason ? `: ${delivery.reason}` : '') + ' ' : '';
  // No padding after the last cell: every character written costs Ink a styled cell per frame.
  const task = fit(row.lastTask ?? '', Math.max(0, cols.task - Array.from(deliveryText).length)).trimEnd();
  const midShown = delivery || task ? mid : mid.trimEnd();
  return (
    <Text inverse={selected} wrap="truncate">
      {head}
      <Text color={STATE_COLOR[row.state]} bold={row.state === 'waiting' || row.state === 'dead'}>
        {fit(row.state, cols.state)}
      </Text>
      {midShown}
      {delivery ? <Text color={DELIVERY_COLOR[delivery.state] ?? 'white'}>{deliveryText}</Text> : null}
      {task}
    </Text>
  );
}

export const AgentRow = memo(AgentRowView);
