import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { execFileSync } from 'node:child_process';
import { claudeSlug } from '../runtimes/claude-paths.js';
import { TmuxClient } from '../tmux/client.js';
import { ProcessTmuxRunner, tmuxClientEnv } from '../tmux/runner.js';
import { shq } from './report.js';

/**
 * A synthetic fleet on a private socket: N cheap sessions, each a tiny Claude-shaped transcript writer
 * (idle: one record then a long sleep; busy: one record per second, optionally a line of pane output too),
 * a temp roster naming them, a temp state dir and CLAUDE_CONFIG_DIR. `cleanup()` removes all of it.
 */
export interface SynthFleet {
  socket: string;
  root: string;
  roster: string;
  stateDir: string;
  claudeHome: string;
  tmux: TmuxClient;
  names: string[];
  serverPid(): number;
  grow(n: number): Promise<void>;
  /** Waits for these agents' transcripts and sets their mtime hours back: an idle fleet with stable ages. */
  backdate(names: readonly string[]): Promise<void>;
  /** Respawns these agents' panes as busy writers (true; `print`: also a line of pane output a second) or back to idle (false). */
  setBusy(names: readonly string[], busy: boolean, print?: boolean): Promise<void>;
  transcriptOf(name: string): string;
  cleanup(): void;
}

export const agentName = (i: number): string => `a${String(i).padStart(3, '0')}`;

// An idle agent's last turn has ended (stop_reason end_turn), as a real idle Claude session's has: its
// state dates from that (backdated) turn, not from its pane's start, so ages on screen stay put.
const IDLE_SH = `f="$1"; mkdir -p "$(dirname "$f")"
[ -f "$f" ] || printf '{"type":"user","sessionId":"%s","message":{"role":"user","content":"start"}}\\n{"type":"assistant","sessionId":"%s","message":{"role":"assistant","stop_reason":"end_turn","content":[{"type":"text","text":"done"}]}}\\n' "$2" "$2" >> "$f"
exec sleep 2147483647
`;
// A busy agent appends one record a second; with a third argument 1 it also prints a line to its pane
// (as a real agent's UI does), which costs the tmux server far more than fleet (docs/BENCH.md).
const BUSY_SH = `f="$1"; i=0; mkdir -p "$(dirname "$f")"
while :; do
  i=$((i+1))
  printf '{"type":"assistant","sessionId":"%s","message":{"role":"assistant","content":[{"type":"text","text":"step %d"}]}}\\n' "$2" "$i" >> "$f"
  [ "$3" = 1 ] && echo "step $i"
  sleep 1
done
`;

export function createSynthFleet(socket = `fleet-bench-${process.pid}`): SynthFleet {
  if (!socket.startsWith('fleet-bench-')) throw new Error(`refusing non-bench socket ${socket}`);
  const root = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'fleet-bench-')));
  const stateDir = path.join(root, 'state');
  const claudeHome = path.join(root, 'claude');
  const roster = path.join(root, 'fleet.yaml');
  fs.mkdirSync(claudeHome, { recursive: true });
  fs.writeFileSync(path.join(root, 'idle.sh'), IDLE_SH);
  fs.writeFileSync(path.join(root, 'busy.sh'), BUSY_SH);
  const runner = new ProcessTmuxRunner(socket);
  const tmux = new TmuxClient(socket, runner);
  const names: string[] = [];
  const uuids = new Map<string, string>();
  let socketFile: string | null = null;

  const cwd = (name: string): string => path.join(root, 'work', name);
  const transcriptOf = (name: string): string => path.join(claudeHome, 'projects', claudeSlug(cwd(name)), `${uuids.get(name)}.jsonl`);
  const cmd = (name: string, kind: 'idle' | 'busy', print = false): string =>
    `sh ${shq(path.join(root, `${kind}.sh`))} ${shq(transcriptOf(name))} ${uuids.get(name)}${print ? ' 1' : ''}`;

  const writeRoster = (): void => {
    const lines = ['version: 1', `tmux: { socket: ${socket} }`, 'agents:'];
    for (const n of names) {
      lines.push(`  - name: ${n}`, '    runtime: claude', `    cwd: ${cwd(n)}`, `    command: ${JSON.stringify(cmd(n, 'idle'))}`,
        `    class: ${Number(n.slice(1)) % 2 ? 'implementer' : 'reviewer'}`, `    env: { CLAUDE_CONFIG_DIR: ${JSON.stringify(claudeHome)} }`);
    }
    fs.writeFileSync(roster, lines.join('\n') + '\n');
  };

  /** Chained commands in one tmux client: `a ; b ; c` (bounded so the argv stays small). */
  const chained = async (cmds: string[][], chunk = 50): Promise<void> => {
    for (let i = 0; i < cmds.length; i += chunk) {
      const args: string[] = [];
      for (const c of cmds.slice(i, i + chunk)) {
        if (args.length) args.push(';');
        args.push(...c);
      }
      const r = await runner.run(args, { timeoutMs: 60_000 });
      if (r.exitCode !== 0) throw new Error(`tmux ${cmds[i]?.[0]}: ${r.stderr.trim()}`);
    }
  };

  return {
    socket, root, roster, stateDir, claudeHome, tmux, names, transcriptOf,
    serverPid() {
      return Number(execFileSync('tmux', ['-L', socket, 'display-message', '-p', '#{pid}'], { encoding: 'utf8', env: tmuxClientEnv() }).trim());
    },
    async grow(n) {
      await tmux.ensureHolder();
      socketFile ??= await tmux.socketPath();
      const add: string[][] = [];
      for (let i = names.length; i < n; i++) {
        const name = agentName(i);
        names.push(name);
        uuids.set(name, randomUUID());
        fs.mkdirSync(cwd(name), { recursive: true });
        add.push(['new-session', '-d', '-s', name, '-x', '120', '-y', '30', '-c', cwd(name), cmd(name, 'idle')]);
      }
      await chained(add);
      writeRoster();
    },
    async backdate(which) {
      const deadline = Date.now() + 60_000;
      const past = new Date(Date.now() - 2 * 3600_000);
      for (const n of which) {
        while (!fs.existsSync(transcriptOf(n))) {
          if (Date.now() > deadline) throw new Error(`${n} wrote no transcript within 60 s`);
          await new Promise((r) => setTimeout(r, 50));
        }
        fs.utimesSync(transcriptOf(n), past, past);
      }
    },
    async setBusy(which, busy, print = false) {
      await chained(which.map((n) => ['respawn-pane', '-k', '-t', `=${n}:`, cmd(n, busy ? 'busy' : 'idle', print)]));
    },
    cleanup() {
      try {
        execFileSync('tmux', ['-L', socket, 'kill-server'], { stdio: 'ignore', env: tmuxClientEnv() });
      } catch {
        /* already gone */
      }
      if (socketFile) fs.rmSync(socketFile, { force: true });
      fs.rmSync(root, { recursive: true, force: true });
    },
  };
}
