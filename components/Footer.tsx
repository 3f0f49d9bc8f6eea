import React, { memo } from 'react';
import { Text } from 'ink';
import { useFleet } from '../hooks/useFleet.js';
import { bindings, keyLabel } from '../src/keymap.js';
import type { Mode } from '../src/store/types.js';

/** The keys of the current mode, generated from the key table (read-only drops dangerous ones). */
export function footerText(mode: Mode, readOnly: boolean): string {
  return bindings(mode, readOnly)
    .filter((b) => b.footer)
    .map((b) => `${b.keys.filter((k) => k !== 'ctrl+c').map(keyLabel).join('/')} ${b.label}`)
    .join('  ');
}

function FooterView(): React.ReactElement {
  const mode = useFleet((s) => s.ui.mode);
  const readOnly = useFleet((s) => s.readOnly);
  return (
    <Text dimColor wrap="truncate">
      {`[${mode}] ${footerText(mode, readOnly)}`}
    </Text>
  );
}

export const Footer = memo(FooterView);
