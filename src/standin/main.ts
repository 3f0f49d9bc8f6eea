/**
 * The stand-in agent: a tiny program that behaves at the terminal like a coding agent, used by the
 * tests, the demo and the benchmark. It writes transcripts where and how the `claude` runtime does,
 * so fleet's real claude adapter reads it.
 *
 * Terminal: raw mode, bracketed paste on, typed or pasted text goes to a composer line (`│ > …`),
 * Enter submits. Commands: `/clear` and `/new` start a new session file, `/exit` quits, `/crash` exits 3,
 * `/ask <question>` asks the operator (a "Do you want to proceed?" dialog answered with 1/2 or Enter),
 * `/work <ms>` works for that long. Any other text is a task: recorded as a user turn, then "work"
 * (an assistant record every 500 ms, stop_reason tool_use) for --work-ms, then a final one with stop_reason
 * end_turn, as Claude Code writes them. Escape interrupts work; Ctrl-D exits.
 *
 * Flags: --continue (reopen newest session) | --resume <id> (reopen that one; exit 1 if none),
 *   --work-ms N (default 2000), --burst-every-ms N (work on its own every N ms), --ask "question"
 *   (ask right after start), --quiet-start (write no start record: the transcript stays empty until a task).
 */
import fs from 'node:fs';
import path from 'node:path';
import { randomUUID } from 'node:crypto';
import { claudeProjectDir } from '../runtimes/claude-paths.js';

interface Opts {
  mode: 'fresh' | 'continue' | 'resume';
  resumeId: string | null;
  workMs: number;
  burstEveryMs: number;
  ask: string | null;
  quietStart: boolean;
}

function parseArgs(argv: string[]): Opts {
  const o: Opts = { mode: 'fresh', resumeId: null, workMs: 2000, burstEveryMs: 0, ask: null, quietStart: false };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const next = (): string => argv[++i] ?? '';
    if (a === '--continue' || a === '-c') o.mode = 'continue';
    else if (a === '--resume' || a === '-r') { o.mode = 'resume'; o.resumeId = next() || null; }
    else if (a === '--work-ms') o.workMs = Number(next()) || 0;
    else if (a === '--burst-every-ms') o.burstEveryMs = Number(next()) || 0;
    else if (a === '--ask') o.ask = next();
    else if (a === '--quiet-start') o.quietStart = true;
  }
  if (process.env.STANDIN_WORK_MS) o.workMs = Number(process.env.STANDIN_WORK_MS) || o.workMs;
  return o;
}

const opts = parseArgs(process.argv.slice(2));
const cwd = process.cwd();
const dir = claudeProjectDir(cwd, process.env);
fs.mkdirSync(dir, { recursive: true });

function newestSession(): string | null {
  let best: { f: string; m: number } | null = null;
  for (const f of fs.readdirSync(dir)) {
    if (!f.endsWith('.jsonl')) continue;
    const m = fs.statSync(path.join(dir, f)).mtimeMs;
    if (!best || m > best.m) best = { f, m };
  }
  return best ? best.f.slice(0, -'.jsonl'.length) : null;
}

let sessionId: string;
if (opts.mode === 'continue') {
  sessionId = newestSession() ?? randomUUID();
} else if (opts.mode === 'resume') {
  const id = opts.resumeId ?? newestSession();
  if (!id || !fs.existsSync(path.join(dir, `${id}.jsonl`))) {
    process.stderr.write(`standin: no conversation found to resume${id ? ` (${id})` : ''}\n`);
    process.exit(1);
  }
  sessionId = id;
} else {
  sessionId = randomUUID();
}

const file = (): string => path.join(dir, `${sessionId}.jsonl`);
function record(type: string, extra: Record<string, unknown>): void {
  const rec = { type, sessionId, uuid: randomUUID(), timestamp: new Date().toISOString(), cwd, ...extra };
  fs.appendFileSync(file(), JSON.stringify(rec) + '\n');
}
function startSession(): void {
  if (!opts.quietStart) record('system', { subtype: 'session_start', content: `standin ${opts.mode}` });
}
function newSession(): void {
  sessionId = randomUUID();
  record('system', { subtype: 'session_start', content: 'standin reset' });
}

// ---- screen ----
let composer = '';
let status = 'ready';
let question: string | null = null;
const log: string[] = [];
const out = (s: string): void => {
  process.stdout.write(s);
};
function oneLine(s: string): string {
  return s.replace(/[\u0000-\u001f\u007f-\u009f]/g, (c) => (c === '\n' ? '⏎' : '·'));
}
function draw(): void {
  const cols = Math.max(20, process.stdout.columns || 80);
  const rows = Math.max(8, process.stdout.rows || 24);
  const w = cols - 4;
  const shown = oneLine(composer);
  const tail = shown.length > w - 2 ? shown.slice(shown.length - (w - 2)) : shown;
  const body: string[] = [`standin ${sessionId.slice(0, 8)} — ${status}`];
  const room = rows - 5 - (question ? 4 : 0);
  body.push(...log.slice(-Math.max(0, room)).map((l) => oneLine(l).slice(0, cols - 1)));
  if (question) body.push('', oneLine(question).slice(0, cols - 1), 'Do you want to proceed?', '❯ 1. Yes   2. No');
  out('\u001b[H\u001b[2J' + body.join('\r\n') + '\r\n');
  out(`╭${'─'.repeat(w)}╮\r\n│ > ${tail.padEnd(w - 2)}│\r\n╰${'─'.repeat(w)}╯`);
}

// ---- work ----
let workTimer: NodeJS.Timeout | null = null;
let workEnd = 0;
function work(ms: number, label: string): void {
  status = 'working';
  workEnd = Date.now() + ms;
  let n = 0;
  const tick = (): void => {
    if (Date.now() >= workEnd) {
      workTimer = null;
      record('assistant', { message: { role: 'assistant', content: [{ type: 'text', text: `done: ${label.slice(0, 80)}` }], stop_reason: 'end_turn' } });
      log.push(`✓ done: ${label.slice(0, 60)}`);
      status = 'ready';
      draw();
      return;
    }
    record('assistant', { message: { role: 'assistant', content: [{ type: 'text', text: `working (${++n})` }], stop_reason: 'tool_use' } });
    workTimer = setTimeout(tick, Math.min(500, Math.max(1, workEnd - Date.now())));
  };
  if (workTimer) clearTimeout(workTimer);
  workTimer = setTimeout(tick, Math.min(500, ms));
  draw();
}
function interrupt(): void {
  if (!workTimer) return;
  clearTimeout(workTimer);
  workTimer = null;
  record('system', { subtype: 'interrupted', content: 'interrupted by user' });
  log.push('⏹ interrupted');
  status = 'ready';
}
function ask(q: string): void {
  question = q;
  status = 'waiting';
  record('assistant', { message: { role: 'assistant', content: [{ type: 'text', text: `question: ${q}` }], stop_reason: 'tool_use' } });
  draw();
}

function submit(text: string): void {
  if (text.length === 0) return;
  const cmd = text.trim();
  if (cmd === '/exit') {
    cleanup();
    process.exit(0);
  }
  if (cmd === '/crash') {
    cleanup();
    process.exit(3);
  }
  if (cmd === '/clear' || cmd === '/new') {
    interrupt();
    newSession();
    log.length = 0;
    log.push(`(new session ${sessionId.slice(0, 8)})`);
    draw();
    return;
  }
  record('user', { message: { role: 'user', content: text } });
  log.push(`> ${text.length > 200 ? text.slice(0, 200) + '…' : text}`);
  if (cmd.startsWith('/ask')) {
    ask(cmd.slice(4).trim() || 'May I continue?');
    return;
  }
  const m = /^\/work\s+(\d+)/.exec(cmd);
  work(m ? Number(m[1]) : opts.workMs, text);
}

// ---- input ----
const PASTE_START = '\u001b[200~';
const PASTE_END = '\u001b[201~';
let pending = '';
let pasting = false;

function onInput(chunk: string): void {
  pending += chunk;
  while (pending.length > 0) {
    if (pasting) {
      const end = pending.indexOf(PASTE_END);
      if (end < 0) {
        // keep a possible partial end marker for the next chunk
        const keep = Math.min(pending.length, PASTE_END.length - 1);
        composer += pending.slice(0, pending.length - keep);
        pending = pending.slice(pending.length - keep);
        return;
      }
      composer += pending.slice(0, end);
      pending = pending.slice(end + PASTE_END.length);
      pasting = false;
      continue;
    }
    if (pending.startsWith(PASTE_START)) {
      pasting = true;
      pending = pending.slice(PASTE_START.length);
      continue;
    }
    if (pending.startsWith('\u001b')) {
      if (PASTE_START.startsWith(pending)) return; // wait for the rest of the marker
      if (pending.startsWith('\u001b[')) {
        const m = /^\u001b\[[0-9;]*[A-Za-z~]/.exec(pending);
        if (!m) return;
        pending = pending.slice(m[0].length);
        continue;
      }
      pending = pending.slice(1);
      interrupt(); // Escape
      draw();
      continue;
    }
    const c = pending[0]!;
    pending = pending.slice(1);
    if (question) {
      if (c === '1' || c === '\r' || c === 'y') {
        record('user', { message: { role: 'user', content: `answer: yes` } });
        question = null;
        work(opts.workMs, 'answered');
      } else if (c === '2' || c === 'n') {
        record('user', { message: { role: 'user', content: `answer: no` } });
        record('assistant', { message: { role: 'assistant', content: [{ type: 'text', text: 'not proceeding' }], stop_reason: 'end_turn' } });
        question = null;
        status = 'ready';
      }
      continue;
    }
    if (c === '\r') {
      const text = composer;
      composer = '';
      submit(text);
    } else if (c === '\u007f' || c === '\b') composer = composer.slice(0, -1);
    else if (c === '\u0003') composer = ''; // Ctrl-C clears the composer
    else if (c === '\u0004') {
      cleanup();
      process.exit(0);
    } else if (c === '\u0015') composer = ''; // Ctrl-U
    else composer += c;
  }
}

function cleanup(): void {
  out('\u001b[?2004l');
  if (process.stdin.isTTY) process.stdin.setRawMode(false);
}

if (opts.mode === 'fresh') startSession();
else record('system', { subtype: 'resumed', content: `standin ${opts.mode}` });
if (process.stdin.isTTY) process.stdin.setRawMode(true);
process.stdin.setEncoding('utf8');
out('\u001b[?2004h');
process.stdin.on('data', (d: string) => {
  onInput(d);
  draw();
});
process.stdout.on('resize', draw);
process.on('SIGTERM', () => {
  cleanup();
  process.exit(0);
});
process.on('SIGHUP', () => process.exit(0));
draw();
if (opts.ask) ask(opts.ask);
if (opts.burstEveryMs > 0) {
  setInterval(() => {
    if (!workTimer && !question) work(opts.workMs, 'burst');
  }, opts.burstEveryMs).unref();
}
