// `npm run screenshot`: runs the real `fleet demo` cockpit inside a tmux pane on a private socket,
// waits until the grid shows every demo agent (and a few lively states), captures the pane WITH its
// colours (`capture-pane -e`), and writes docs/cockpit.svg (the README picture) and docs/cockpit.txt
// (the same capture as plain text). Then quits the cockpit with `q` so the demo removes its own fleet.
//
// Usage: node --import tsx scripts/screenshot.mjs [--cols 132] [--rows 20] [--out docs/cockpit]
import { execFileSync, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { ansiToSvg } from '../src/demo/ansi-svg.ts';
import { DEMO_AGENTS, DEMO_STRAY } from '../src/demo/agents.ts';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const arg = (name, dflt) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 && process.argv[i + 1] ? process.argv[i + 1] : dflt;
};
const cols = Number(arg('cols', '132'));
const rows = Number(arg('rows', '20'));
const out = path.resolve(root, arg('out', 'docs/cockpit'));
const socket = `fleet-shot-${process.pid}`;
const env = { ...process.env };
delete env.TMUX;
delete env.TMUX_PANE;

const tmux = (...args) => execFileSync('tmux', ['-u', '-L', socket, ...args], { encoding: 'utf8', env, stdio: ['ignore', 'pipe', 'pipe'] });
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const strip = (s) => s.replace(/\u001b\[[0-9;:]*m/g, '');

function cleanupShot() {
  let sock = null;
  try {
    sock = tmux('display-message', '-p', '#{socket_path}').trim();
  } catch {
    /* no server */
  }
  try {
    tmux('kill-server');
  } catch {
    /* already gone */
  }
  if (sock && path.basename(sock) === socket) fs.rmSync(sock, { force: true });
}

const b = spawnSync(process.execPath, [path.join(root, 'scripts', 'build.mjs')], { stdio: 'inherit', cwd: root });
if (b.status !== 0) process.exit(1);

let code = 0;
try {
  tmux('new-session', '-d', '-s', 'shot', '-x', String(cols), '-y', String(rows), '-c', root,
    'env', 'TERM=xterm-256color', 'COLORTERM=truecolor', process.execPath, 'bin/fleet.js', 'demo');
  tmux('set-option', '-w', '-t', '=shot:', 'remain-on-exit', 'on');
  const names = [...DEMO_AGENTS.map((a) => a.name), DEMO_STRAY];
  const wanted = ['busy', 'idle', 'waiting', 'asleep', 'stopped', 'dead', 'external', 'stray'];
  // First every agent on the grid (60 s), then up to 30 s more for the frame showing the most states.
  const deadline = Date.now() + 60_000;
  let capture = '';
  let best = '';
  let bestScore = -1;
  let settleBy = 0;
  for (;;) {
    capture = tmux('capture-pane', '-e', '-p', '-t', '=shot:');
    const plain = strip(capture);
    if (tmux('display-message', '-p', '-t', '=shot:', '#{pane_dead}').trim() === '1') {
      throw new Error(`the demo exited before the grid was complete:\n${plain}`);
    }
    if (names.every((n) => plain.includes(n))) {
      // Let the ages grow a little (≥ 12 s), then keep the latest frame showing the most states.
      settleBy ||= Date.now() + 30_000;
      const score = wanted.filter((w) => new RegExp(`\\b${w}\\b`).test(plain.split('\n').slice(1).join('\n'))).length;
      if (score >= bestScore) [best, bestScore] = [capture, score];
      if ((score === wanted.length && Date.now() > settleBy - 18_000) || Date.now() > settleBy) break;
    } else if (Date.now() > deadline) {
      throw new Error(`the grid did not show every demo agent within 60 s; last screen:\n${plain}`);
    }
    await sleep(500);
  }
  capture = best || capture;
  fs.mkdirSync(path.dirname(out), { recursive: true });
  fs.writeFileSync(`${out}.svg`, ansiToSvg(capture, { cols, rows, title: 'fleet demo' }));
  fs.writeFileSync(`${out}.txt`, strip(capture).replace(/[ \t]+$/gm, '').replace(/\n+$/, '\n'));
  console.log(`wrote ${path.relative(root, out)}.svg and ${path.relative(root, out)}.txt (${cols}×${rows})`);

  // Quit the cockpit: the demo removes its fleet. Wait for the pane's process to exit.
  tmux('send-keys', '-t', '=shot:', 'q');
  const quitBy = Date.now() + 20_000;
  while (tmux('display-message', '-p', '-t', '=shot:', '#{pane_dead}').trim() !== '1') {
    if (Date.now() > quitBy) throw new Error('the cockpit did not quit on q within 20 s');
    await sleep(200);
  }
} catch (e) {
  console.error(`screenshot: ${e instanceof Error ? e.message : String(e)}`);
  code = 1;
} finally {
  cleanupShot();
}
process.exit(code);
