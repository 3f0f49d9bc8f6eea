import React, { memo } from 'react';
import { Text } from 'ink';
import { fit, type Columns } from './layout.js';

function ColumnTitlesView({ cols, sort }: { cols: Columns; sort: string }): React.ReactElement {
  const mark = (label: string, key: string): string => (sort === key ? `${label}▼` : label);
  return (
    <Text bold dimColor wrap="truncate">
      {'   ' +
        fit(mark('NAME', 'name'), cols.name) +
        fit('RUNTIME', cols.runtime) +
        fit(mark('STATE', 'state'), cols.state) +
        fit('SINCE', cols.since) +
        fit(mark('ACTIV', 'activity'), cols.activity) +
        fit('CLASS/TAGS', cols.group) +
        fit('CWD', cols.cwd) +
        fit('LAST TASK', cols.task)}
    </Text>
  );
}

export const ColumnTitles = memo(ColumnTitlesView);
