import fs from 'node:fs';
import path from 'node:path';
import { socketNameProblem } from './domain/names.js';
import type { Roster } from './domain/types.js';
import { adapterFor } from './runtimes/index.js';
import { agentEnv } from './runtimes/env.js';
import { ensureStateDir } from './state/files.js';
import { resolveRosterPath, resolveSocket, resolveStateDir, type GlobalOptions } from './state/paths.js';
import { loadRoster } from './state/roster-file.js';
import { TmuxClient } from './tmux/client.js';
import { socketFile } from './tmux/socket-file.js';
import { tmuxClientEnv } from './tmux/runner.js';

export type CheckStatus = 'ok' | 'warn' | 'fail';
export interface Check {
  check: string;
  status: CheckStatus;
  detail: string;
  fix?: string;
}

const MIN_TMUX = [3, 0];

async function onPath(bin: string): Promise<boolean> {
  if (bin.includes('/')) return fs.existsSync(bin);
  for (const dir of (process.env.PATH ?? '').split(path.delimiter)) {
    if (dir && fs.existsSync(path.join(dir, bin))) return true;
  }
  return false;
}

/** Every check `fleet doctor` runs, in plain words, each with what to do about a problem. */
export async function runDoctor(o: GlobalOptions): Promise<Check[]> {
  const checks: Check[] = [];
  // tmux
  // Imported here, not at the top: execa and what it loads cost every start of fleet (docs/BENCH.md).
  const { execa } = await import('execa');
  const v = await execa('tmux', ['-V'], { reject: false, timeout: 5000, env: tmuxClientEnv(), extendEnv: false });
  if (v.failed && v.exitCode === undefined) {
    checks.push({ check: 'tmux', status: 'fail', detail: 'tmux is not installed or not on PATH', fix: 'install tmux 3.x (apt-get install tmux, or brew install tmux)' });
  } else {
    const m = /(\d+)\.(\d+)/.exec(String(v.stdout));
    const ok = m !== null && (Number(m[1]) > MIN_TMUX[0]! || (Number(m[1]) === MIN_TMUX[0] && Number(m[2]) >= MIN_TMUX[1]!));
    checks.push(ok
      ? { check: 'tmux', status: 'ok', detail: String(v.stdout).trim() }
      : { check: 'tmux', status: 'fail', detail: `${String(v.stdout).trim() || 'unknown version'}; fleet needs tmux >= 3.0`, fix: 'upgrade tmux' });
  }
  // roster
  const rosterPath = resolveRosterPath(o);
  let roster: Roster | undefined;
  try {
    roster = loadRoster(rosterPath);
    checks.push({ check: 'roster', status: 'ok', detail: `${rosterPath}: ${roster.agents.length} agent(s)` });
  } catch (e) {
    const missing = !fs.existsSync(rosterPath);
    checks.push({
      check: 'roster', status: 'fail', detail: (e as Error).message,
      fix: missing ? `run \`fleet init\` to write an example at ${rosterPath}` : 'fix the lines named above; the roster is never rewritten by fleet',
    });
  }
  // socket
  const socket = resolveSocket(o, roster?.socket);
  const sp = socketNameProblem(socket);
  if (sp) {
    checks.push({ check: 'socket', status: 'fail', detail: `socket name ${JSON.stringify(socket)}: ${sp}`, fix: 'choose a plain name such as "fleet"' });
  } else {
    const uid = process.getuid?.() ?? 0;
    const file = socketFile(socket);
    let detail = `-L ${socket} (${file})`;
    let status: CheckStatus = 'ok';
    let fix: string | undefined;
    try {
      const st = fs.lstatSync(file);
      if (st.uid !== uid) {
        status = 'fail'; detail += ` is owned by uid ${st.uid}`; fix = 'use another --socket name; fleet will not use a server it does not own';
      } else {
        const obs = await new TmuxClient(socket).observe();
        if (obs.server === 'up') detail += `: server running, ${obs.panes.size} session(s)`;
        else { status = 'warn'; detail += `: socket file exists but no server answers (stale)`; fix = `harmless; fleet starts a server when it wakes an agent (or remove ${file})`; }
      }
    } catch {
      detail += ': no server yet (one starts when an agent is woken)';
    }
    checks.push({ check: 'socket', status, detail, ...(fix ? { fix } : {}) });
  }
  // state dir (a diagnosis does not create it; the first real command does)
  const stateDir = resolveStateDir(o);
  if (!fs.existsSync(stateDir)) {
    checks.push({ check: 'state dir', status: 'ok', detail: `${stateDir} does not exist yet; fleet creates it (mode 0700) on first use` });
  } else {
    try {
      const p = ensureStateDir(stateDir);
      fs.accessSync(p.agentsDir, fs.constants.W_OK);
      checks.push({ check: 'state dir', status: 'ok', detail: `${stateDir} (0700)` });
    } catch (e) {
      checks.push({ check: 'state dir', status: 'fail', detail: (e as Error).message, fix: `make ${stateDir} yours and private (chmod 700 ${stateDir}), or set FLEET_STATE_DIR / --state-dir` });
    }
  }
  // runtimes and transcripts
  if (roster) {
    const seen = new Set<string>();
    for (const spec of roster.agents) {
      const a = adapterFor(spec.runtime);
      if (!a) continue;
      const bin = (a.launchCommand(spec, 'fresh', null).trim().split(/\s+/)[0] ?? '').replace(/^exec$/, '');
      const key = `${spec.runtime}:${bin}`;
      if (bin && !seen.has(key)) {
        seen.add(key);
        if (!(await onPath(bin))) {
          checks.push({ check: `runtime ${spec.runtime}`, status: 'warn', detail: `"${bin}" (used by ${spec.name}) is not on PATH`, fix: `install ${spec.runtime}, or set agents[].command for ${spec.name}` });
        } else {
          checks.push({ check: `runtime ${spec.runtime}`, status: 'ok', detail: `${bin} found` });
        }
      }
      const t = await a.scan(spec, agentEnv(spec));
      if (t.problem) {
        checks.push({ check: `transcripts ${spec.name}`, status: 'warn', detail: t.problem, fix: 'fleet shows the best state it can; check the directory or set agents[].transcripts' });
      }
    }
  }
  return checks;
}
