// `npm run bench` (after `npm run build`): bundles the benchmark (src/bench/main.ts, the real fleet code
// paths) with esbuild and runs it. Arguments pass through: --n 50,200,500 --window-ms 15000 --ticks 30 --write --quick
import { build } from 'esbuild';
import { spawn } from 'node:child_process';

await build({
  entryPoints: { bench: 'src/bench/main.ts' },
  outdir: 'dist',
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'esm',
  sourcemap: 'linked',
  define: { 'process.env.NODE_ENV': '"production"' },
  external: ['better-sqlite3', 'react-devtools-core'],
  banner: { js: "import { createRequire as __fleetCreateRequire } from 'node:module'; const require = __fleetCreateRequire(import.meta.url);" },
  logLevel: 'warning',
});

const env = { ...process.env };
delete env.TMUX;
delete env.TMUX_PANE;
const child = spawn(process.execPath, ['dist/bench.js', ...process.argv.slice(2)], { stdio: 'inherit', env });
// Ctrl-C reaches the child through the terminal's process group; the child cleans up and exits.
for (const sig of ['SIGINT', 'SIGTERM']) process.on(sig, () => child.kill(sig));
child.on('exit', (code, signal) => process.exit(code ?? (signal ? 130 : 1)));
