import { ESLint } from 'eslint';
import { describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../helpers/tmux.js';

// The import boundaries of STYLE.md, enforced by eslint.config.js, proven on small snippets.
const eslint = new ESLint({ cwd: REPO_ROOT });
async function restricted(filePath: string, code: string): Promise<string[]> {
  const [res] = await eslint.lintText(code, { filePath: `${REPO_ROOT}/${filePath}` });
  return (res?.messages ?? []).filter((m) => m.ruleId === 'no-restricted-imports').map((m) => m.message);
}

describe('ESLint import boundaries', () => {
  it.each([
    ["import React from 'react';"],
    ["import { render } from 'ink';"],
    ["import Table from '@alcalzone/ink-table';"],
    ["import { useStore } from 'zustand';"],
    ["import { Grid } from '../../components/Grid.js';"],
    ["import { useFleet } from '../hooks/useFleet.js';"],
  ])('src/ (the core) may not import UI: %s', async (code) => {
    expect(await restricted('src/watch/x.ts', `${code}\nexport {};\n`)).toEqual([expect.stringMatching(/src\/ is the core/)]);
  });

  it('the composition root may import React and Ink; the core may use zustand/vanilla', async () => {
    expect(await restricted('src/cockpit/root.tsx', "import { render } from 'ink';\nimport React from 'react';\nexport { render, React };\n")).toEqual([]);
    expect(await restricted('src/store/x.ts', "import { createStore } from 'zustand/vanilla';\nexport { createStore };\n")).toEqual([]);
  });

  it.each([
    ["import { execa } from 'execa';"],
    ["import chokidar from 'chokidar';"],
    ["import { spawn } from 'node:child_process';"],
    ["import { spawn } from 'child_process';"],
    ["import fs from 'node:fs';"],
    ["import Database from 'better-sqlite3';"],
  ])('components/ and hooks/ may not run processes, watch or touch files: %s', async (code) => {
    for (const f of ['components/Grid.tsx', 'hooks/useThing.ts']) {
      expect(await restricted(f, `${code}\nexport {};\n`), f).toEqual([expect.stringMatching(/views and bridges/)]);
    }
  });
});
