// Production build: one ESM bundle per entry point, production React, native modules left external.
import { build } from 'esbuild';

const entries = {
  fleet: 'src/cli/entry.ts',
  standin: 'src/standin/main.ts',
};

await build({
  entryPoints: entries,
  outdir: 'dist',
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'esm',
  // Split dynamic imports into chunks: `fleet top` loads React/Ink with import(), so other verbs never
  // parse them; Ink's devtools chunk (which imports the absent react-devtools-core) is never loaded.
  splitting: true,
  chunkNames: 'chunks/[name]-[hash]',
  sourcemap: 'linked',
  minify: false,
  legalComments: 'none',
  jsx: 'automatic',
  define: { 'process.env.NODE_ENV': '"production"' },
  external: ['better-sqlite3', 'react-devtools-core'],
  banner: {
    // Some bundled CommonJS dependencies call require(); give them one.
    js: "import { createRequire as __fleetCreateRequire } from 'node:module'; const require = __fleetCreateRequire(import.meta.url);",
  },
  logLevel: 'warning',
});
