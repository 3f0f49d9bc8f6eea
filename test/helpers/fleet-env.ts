import fs from 'node:fs';
import path from 'node:path';
import { execFile } from 'node:child_process';
import { afterEach } from 'vitest';
import { claudeProjectDir } from '../../src/runtimes/claude-paths.js';
import { tmuxClientEnv } from '../../src/tmux/runner.js';
import { FLEET_BIN, killTestServer, STANDIN, tempDir, testSocket } from './tmux.js';

export interface TestFleet {
  root: string;
  socket: string;
  roster: string;
  stateDir: string;
  claudeHome: string;
  /** cwd of an agent (created). */
  cwd(name: string): string;
  writeRoster(yaml: string): void;
  /** Env for running fleet against this fleet only. */
  env: Record<string, string>;
  /** Runs the built `fleet` CLI; resolves with code/stdout/stderr (never rejects). */
  fleet(args: string[], input?: string): Promise<{ code: number; stdout: string; stderr: string }>;
}

/** A roster line-block for stand-in agents: `standinAgents(f, ['a1','a2'])`. */
export function standinAgents(f: TestFleet, names: string[], extra = ''): string {
  return names
    .map((n) => `  - name: ${n}\n    runtime: claude\n    cwd: ${f.cwd(n)}\n    command: node ${STANDIN} --work-ms 600\n${extra}`)
    .join('');
}

const live: string[] = [];
afterEach(() => {
  while (live.length) killTestServer(live.pop()!);
});

/** Private socket + temp roster/state/CLAUDE_CONFIG_DIR; the server is killed after each test. */
export function makeTestFleet(): TestFleet {
  const root = tempDir();
  const socket = testSocket();
  live.push(socket);
  const stateDir = path.join(root, 'state');
  const claudeHome = path.join(root, 'claude');
  fs.mkdirSync(claudeHome, { recursive: true });
  const roster = path.join(root, 'fleet.yaml');
  const env: Record<string, string> = {
    ...tmuxClientEnv(),
    FLEET_ROSTER: roster,
    FLEET_STATE_DIR: stateDir,
    FLEET_SOCKET: socket,
    CLAUDE_CONFIG_DIR: claudeHome,
    XDG_CONFIG_HOME: path.join(root, 'xdg-config'),
    XDG_STATE_HOME: path.join(root, 'xdg-state'),
  };
  return {
    root,
    socket,
    roster,
    stateDir,
    claudeHome,
    env,
    cwd(name) {
      const d = path.join(root, 'work', name);
      fs.mkdirSync(d, { recursive: true });
      return d;
    },
    writeRoster(yaml) {
      fs.writeFileSync(roster, yaml);
    },
    fleet(args, input) {
      return new Promise((resolve) => {
        const child = execFile(process.execPath, [FLEET_BIN, ...args], { env, timeout: 60_000, maxBuffer: 64 * 1024 * 1024 }, (err, stdout, stderr) => {
          const code = err ? (typeof (err as { code?: unknown }).code === 'number' ? (err as { code: number }).code : 1) : 0;
          resolve({ code, stdout: String(stdout), stderr: String(stderr) });
        });
        if (input !== undefined) child.stdin?.end(input);
        else child.stdin?.end();
      });
    },
  };
}

/** The agent's Claude-shaped transcript files (where the stand-in writes them), or [] when none. */
export function transcriptFiles(f: TestFleet, name: string): string[] {
  const dir = claudeProjectDir(f.cwd(name), { CLAUDE_CONFIG_DIR: f.claudeHome });
  try {
    return fs.readdirSync(dir).filter((x) => x.endsWith('.jsonl')).map((x) => path.join(dir, x));
  } catch {
    return [];
  }
}

export interface TranscriptRecord {
  type: string;
  subtype?: string;
  message?: { content?: unknown };
}

export const transcriptRecords = (file: string): TranscriptRecord[] =>
  fs.readFileSync(file, 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l) as TranscriptRecord);

/** The text of every user turn in one transcript file, in order. */
export const userTurns = (file: string): string[] =>
  transcriptRecords(file).filter((r) => r.type === 'user').map((r) => String(r.message?.content));
