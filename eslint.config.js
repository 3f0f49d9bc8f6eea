import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import reactHooks from 'eslint-plugin-react-hooks';

const noUiInCore = {
  patterns: [{ group: ['react', 'react/*', 'react-dom', 'ink', 'ink/*', 'ink-*', '@alcalzone/ink-table', 'ink-testing-library', '**/components/*', '**/hooks/*'], message: 'src/ is the core: no React or Ink here (only src/cockpit/root.tsx, the composition root, may import them).' }, { regex: '^zustand(/react(/.*)?)?$', message: 'src/ is the core: use zustand/vanilla (zustand and zustand/react pull in React).' }],
};
const noProcessesInUi = {
  patterns: [{ group: ['execa', 'chokidar', 'child_process', 'node:child_process', 'better-sqlite3', 'node:fs', 'fs', 'node:fs/promises', 'fs/promises'], message: 'components/ and hooks/ are views and bridges: no subprocesses, watchers or file I/O; go through the store and actions.' }],
};

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', 'coverage/**', 'bin/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: { process: 'readonly', console: 'readonly', Buffer: 'readonly', setTimeout: 'readonly', clearTimeout: 'readonly', setInterval: 'readonly', clearInterval: 'readonly', URL: 'readonly', NodeJS: 'readonly', setImmediate: 'readonly', queueMicrotask: 'readonly' } },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrors: 'none' }],
      'no-control-regex': 'off',
    },
  },
  { files: ['src/**/*.ts', 'src/**/*.tsx'], ignores: ['src/cockpit/root.tsx'], rules: { 'no-restricted-imports': ['error', noUiInCore] } },
  {
    files: ['components/**/*.{ts,tsx}', 'hooks/**/*.{ts,tsx}'],
    plugins: { 'react-hooks': reactHooks },
    rules: { 'no-restricted-imports': ['error', noProcessesInUi], 'react-hooks/rules-of-hooks': 'error', 'react-hooks/exhaustive-deps': 'warn' },
  },
);
