import React from 'react';
import { Box, Text } from 'ink';
import { ActionsContext, StoreContext } from '../hooks/context.js';
import { useFleet } from '../hooks/useFleet.js';
import { useKeymap } from '../hooks/useKeymap.js';
import { useTerminalSize } from '../hooks/useTerminalSize.js';
import type { Actions } from '../src/actions.js';
import type { FleetStore } from '../src/store/store.js';
import { Banner } from './Banner.js';
import { ConfirmDialog } from './ConfirmDialog.js';
import { Footer } from './Footer.js';
import { Grid } from './Grid.js';
import { Header } from './Header.js';
import { HelpOverlay } from './HelpOverlay.js';
import { InputLine } from './InputLine.js';
import { Preview } from './Preview.js';
import { PromptBar } from './PromptBar.js';
import { Toasts } from './Toasts.js';

function Screen(): React.ReactElement {
  useKeymap();
  const mode = useFleet((s) => s.ui.mode);
  const { rows, cols } = useTerminalSize();
  if (rows < 10 || cols < 40) {
    return <Text>{`fleet top needs at least 40×11 (this terminal: ${cols}×${rows + 1}); q quits`}</Text>;
  }
  return (
    <Box flexDirection="column" height={rows} width={cols}>
      <Header />
      <Banner />
      {mode === 'help' ? <HelpOverlay /> : mode === 'confirm' ? <ConfirmDialog /> : <Grid />}
      <Preview />
      <PromptBar />
      <Box flexGrow={1} />
      <InputLine />
      <Toasts />
      <Footer />
    </Box>
  );
}

/** The cockpit: pure views over an injected store; keys go through the injected actions. */
export function App({ store, actions }: { store: FleetStore; actions: Actions }): React.ReactElement {
  return (
    <StoreContext.Provider value={store}>
      <ActionsContext.Provider value={actions}>
        <Screen />
      </ActionsContext.Provider>
    </StoreContext.Provider>
  );
}
