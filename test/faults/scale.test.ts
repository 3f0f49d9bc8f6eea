/**
 * Faults: scale. 500 live sessions plus 10,000 transcript files: no crash, one tmux call, bounded
 * memory and CPU for a full observation (`fleet ls`).
 */
import fs from 'node:fs';
import path from 'node:path';
import { randomUUID } from 'node:crypto';
import { describe, expect, test } from 'vitest';
import { claudeProjectDir } from '../../src/runtimes/claude-paths.js';
import { loadRoster } from '../../src/state/roster-file.js';
import { makeTestFleet, type TestFleet } from '../helpers/fleet-env.js';
import { tmux } from '../helpers/tmux.js';
import { fakeTmux, pathWith, runFleet, startCockpit, waitScreen } from './helpers.js';

const AGENTS = 500;
const FILES = 10_000;

interface Row {
  name: string;
  state: string;
  lastActivityAt: string | null;
}

/** `/usr/bin/time -f` output: peak RSS (KB), user and system CPU seconds. */
function parseTime(stderr: string): { rssKb: number; cpuSecs: number } {
  const m = /FLEETTIME (\d+) ([\d.]+) ([\d.]+)/.exec(stderr);
  if (!m) throw new Error(`no time output in: ${stderr.slice(-500)}`);
  return { rssKb: Number(m[1]), cpuSecs: Number(m[2]) + Number(m[3]) };
}
const TIME = ['/usr/bin/time', '-f', 'FLEETTIME %M %U %S'];

function writeTranscripts(f: TestFleet, cwd: string, n: number, t0: number): void {
  const dir = claudeProjectDir(cwd, { CLAUDE_CONFIG_DIR: f.claudeHome });
  fs.mkdirSync(dir, { recursive: true });
  for (let j = 0; j < n; j++) {
    const id = randomUUID();
    const file = path.join(dir, `${id}.jsonl`);
    fs.writeFileSync(file, JSON.stringify({ type: 'user', sessionId: id, message: { role: 'user', content: `task ${j}` } }) + '\n');
    const t = (t0 - (n - j) * 60_000) / 1000;
    fs.utimesSync(file, t, t);
  }
}

/** 500 agents, each with a live session (sleep) and 20 transcript files: 10,000 in all. */
function bigFleet(): TestFleet {
  const f = makeTestFleet();
  const names = Array.from({ length: AGENTS }, (_, i) => `agent-${i}`);
  const now = Date.now();
  let yaml = 'version: 1\nagents:\n';
  for (const n of names) yaml += `  - name: ${n}\n    runtime: claude\n    cwd: ${f.cwd(n)}\n    command: sleep 100000\n`;
  f.writeRoster(yaml);
  names.forEach((n, i) => writeTranscripts(f, f.cwd(n), FILES / AGENTS, now - i * 1000));
  // 500 sessions in ONE tmux invocation (a source file), so setup does not fork 500 clients
  const src = path.join(f.root, 'sessions.tmux');
  fs.writeFileSync(src, names.map((n) => `new-session -d -s ${n} -x 80 -y 24 "sleep 100000"`).join('\n') + '\n');
  tmux(f.socket, 'start-server', ';', 'source-file', src);
  expect(tmux(f.socket, 'list-sessions', '-F', '#{session_name}').trim().split('\n')).toHaveLength(AGENTS);
  return f;
}

/** utime+stime of a process in seconds, and its resident set in KB (Linux /proc). */
function procUsage(pid: number): { cpuSecs: number; rssKb: number } {
  const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
  const rest = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const ticks = Number(rest[11]) + Number(rest[12]);
  const rss = /VmRSS:\s+(\d+)/.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'));
  return { cpuSecs: ticks / 100, rssKb: Number(rss?.[1] ?? 0) };
}

describe('scale', () => {
  test(`${AGENTS} live sessions + ${FILES} transcript files: ls --json is complete, uses 1 tmux call, peak RSS < 300 MB, CPU < 10 s, wall < 20 s`, async () => {
    const f = bigFleet();

    const fake = fakeTmux('pass');
    const r = await runFleet(f, ['ls', '--json'], { env: { PATH: pathWith(fake.dir) }, wrap: TIME, timeoutMs: 120_000 });
    expect(r.code, r.stderr).toBe(0);
    const rows = JSON.parse(r.stdout) as Row[];
    expect(rows).toHaveLength(AGENTS);
    expect(rows.filter((x) => x.state === 'asleep' || x.state === 'stray')).toEqual([]);
    expect(rows.every((x) => x.lastActivityAt !== null)).toBe(true);
    expect(fake.calls().filter((c) => c.argv.includes('list-panes'))).toHaveLength(1);
    expect(fake.calls()).toHaveLength(1);
    const { rssKb, cpuSecs } = parseTime(r.stderr);
    expect(rssKb).toBeLessThan(300 * 1024);
    expect(cpuSecs).toBeLessThan(10);
    expect(r.ms).toBeLessThan(20_000);
  }, 180_000);

  test(`one agent with ${FILES} transcript files in one directory: ls finds the newest, doctor warns to archive`, async () => {
    const f = makeTestFleet();
    const cwd = f.cwd('big');
    f.writeRoster(`version: 1\nagents:\n  - name: big\n    runtime: claude\n    cwd: ${cwd}\n`);
    const now = Date.now() - 3_600_000;
    writeTranscripts(f, cwd, FILES, now);
    const r = await runFleet(f, ['ls', '--json'], { wrap: TIME, timeoutMs: 120_000 });
    expect(r.code, r.stderr).toBe(0);
    const rows = JSON.parse(r.stdout) as Row[];
    expect(Math.abs(Date.parse(rows[0]!.lastActivityAt!) - (now - 60_000))).toBeLessThan(2_000);
    expect(parseTime(r.stderr).rssKb).toBeLessThan(400 * 1024);
    const doc = await runFleet(f, ['doctor', '--json']);
    const warn = (JSON.parse(doc.stdout) as { check: string; status: string; detail: string }[]).find((c) => c.check === 'transcripts big');
    expect(warn?.status).toBe('warn');
    expect(warn?.detail).toMatch(new RegExp(`${FILES} transcript files`));
  }, 180_000);

  test(`the cockpit over ${AGENTS} live sessions + ${FILES} transcripts: grid within 30 s, idle CPU < 50 % of a core, RSS < 500 MB`, async () => {
    const f = bigFleet();
    const t0 = Date.now();
    const c = startCockpit(f);
    await waitScreen(c, (sc) => new RegExp(`${AGENTS} agents`).test(sc) && /idle:\d+/.test(sc), 'grid with 500 agents', 60_000);
    expect(Date.now() - t0).toBeLessThan(30_000);
    const pid = c.cockpitPid()!;
    // settle, then measure 10 s of idling (a measurement window, not a correctness wait)
    await new Promise((r) => setTimeout(r, 3_000));
    const a = procUsage(pid);
    const start = Date.now();
    await new Promise((r) => setTimeout(r, 10_000));
    const b = procUsage(pid);
    const cpuShare = (b.cpuSecs - a.cpuSecs) / ((Date.now() - start) / 1000);
    expect(cpuShare).toBeLessThan(0.5);
    expect(b.rssKb).toBeLessThan(500 * 1024);
    expect(c.cockpitPid()).toBe(pid);
  }, 180_000);

  test(`a ${AGENTS}-agent roster loads in seconds at most (no blow-up with size)`, () => {
    const f = makeTestFleet();
    const cwd = f.cwd('shared');
    let yaml = 'version: 1\nagents:\n';
    for (let i = 0; i < AGENTS; i++) yaml += `  - name: a${i}\n    cwd: ${cwd}\n    class: c${i % 7}\n    tags: [t${i % 3}, x]\n`;
    f.writeRoster(yaml);
    const t0 = Date.now();
    const r = loadRoster(f.roster);
    expect(Date.now() - t0).toBeLessThan(5_000);
    expect(r.agents).toHaveLength(AGENTS);
  });
});
