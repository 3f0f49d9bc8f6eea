import React from 'react';
import { Text } from 'ink';
import { useFleet } from '../hooks/useFleet.js';
import { sanitize } from '../src/domain/sanitize.js';

/** tmux server down / bad roster edit: one line each, above the grid, until it recovers. */
export function Banner(): React.ReactElement | null {
  const down = useFleet((s) => (s.obs.tmux?.server === 'down' ? s.obs.tmux.reason : null));
  const rosterError = useFleet((s) => s.rosterError);
  if (!down && !rosterError) return null;
  // "invalid roster F:\n  F:3:5: field: message" → the located problems, which say what to fix
  const lines = (rosterError ?? '').split('\n').map((l) => l.trim()).filter(Boolean);
  const rosterText = lines.length > 1 ? lines.slice(1).join(' · ') : (lines[0] ?? '');
  return (
    <>
      {down === 'no server' ? (
        <Text color="gray" wrap="truncate">
          {' no tmux server on this socket: every agent is asleep; the first wake starts it '}
        </Text>
      ) : down ? (
        <Text backgroundColor="red" color="white" wrap="truncate">
          {` tmux server down: ${sanitize(down, { singleLine: true, max: 200 })} — showing the last known state; retrying… `}
        </Text>
      ) : null}
      {rosterError ? (
        <Text backgroundColor="yellow" color="black" wrap="truncate">
          {` roster error (keeping the last good roster): ${sanitize(rosterText, { singleLine: true, max: 300 })} `}
        </Text>
      ) : null}
    </>
  );
}
