/**
 * The demo fleet, as data: who is in it, how each one behaves, and the roster text that describes it.
 * Pure (no I/O) so the unit tests can check that every agent state can be reached in the demo.
 */

/** How the demo starts an agent. */
export type DemoStart =
  /** started at setup; works on its own in bursts or waits for a task */
  | 'live'
  /** started, then exits (`/crash`) so its pane stays `dead` */
  | 'crash'
  /** in the roster, never started: `asleep` until the operator wakes it */
  | 'asleep'
  /** in the roster with a stop flag in the state dir: `stopped` until `start` */
  | 'stopped';

export interface DemoAgent {
  name: string;
  runtime: 'claude' | 'shell';
  class: string;
  tags: readonly string[];
  start: DemoStart;
  managed?: 'external';
  /** stand-in flags (claude-runtime agents) */
  workMs?: number;
  burstEveryMs?: number;
  ask?: string;
  /** first task pasted after start, so the fleet is busy from the first frame */
  firstTask?: string;
  kickstart?: string;
  /** what this agent shows a newcomer (written into the roster as a comment) */
  note: string;
}

/** 11 roster agents (10 stand-ins and one shell) + one stray session. Every state of DESIGN §5 appears. */
export const DEMO_AGENTS: readonly DemoAgent[] = [
  { name: 'coder-1', runtime: 'claude', class: 'implementer', tags: ['api'], start: 'live', workMs: 5000, burstEveryMs: 12000, firstTask: 'Add retries with backoff to api/client.ts', note: 'works in short bursts' },
  { name: 'coder-2', runtime: 'claude', class: 'implementer', tags: ['api', 'db'], start: 'live', workMs: 8000, burstEveryMs: 20000, firstTask: 'Port the user repository to the new query builder', note: 'works in long bursts' },
  { name: 'coder-3', runtime: 'claude', class: 'implementer', tags: ['ui'], start: 'live', workMs: 3000, burstEveryMs: 30000, note: 'mostly idle, a short burst every 30 s' },
  { name: 'tester-1', runtime: 'claude', class: 'tester', tags: ['ci'], start: 'live', workMs: 6000, burstEveryMs: 15000, firstTask: 'Run the integration suite and fix flaky tests', note: 'works in bursts' },
  { name: 'reviewer-1', runtime: 'claude', class: 'reviewer', tags: ['review'], start: 'live', workMs: 4000, note: 'idle: waits for a task (mark it with space, then b to send one)' },
  { name: 'reviewer-2', runtime: 'claude', class: 'reviewer', tags: ['review'], start: 'live', workMs: 4000, ask: 'Merge PR #42 into main?', note: 'asks the operator a question (waiting)' },
  { name: 'docs-1', runtime: 'claude', class: 'writer', tags: ['docs'], start: 'asleep', workMs: 4000, kickstart: 'Read TASKS.md and pick the next task', note: 'asleep: wake it (w) or attach (Enter)' },
  { name: 'migrator', runtime: 'claude', class: 'implementer', tags: ['db'], start: 'stopped', workMs: 4000, note: 'stopped by the operator: never woken until started (S)' },
  { name: 'flaky', runtime: 'claude', class: 'tester', tags: ['ci'], start: 'crash', workMs: 2000, note: 'its process exited: dead (try r to reset)' },
  { name: 'ci-bot', runtime: 'claude', class: 'bot', tags: ['ci'], start: 'live', managed: 'external', workMs: 4000, burstEveryMs: 25000, note: 'managed elsewhere: shown, never woken or reset' },
  { name: 'ops-shell', runtime: 'shell', class: 'ops', tags: ['ops'], start: 'live', note: 'a plain shell' },
];

/** A session on the demo's socket that the roster does not name: shows as `stray`. */
export const DEMO_STRAY = 'scratch';

/** Quotes one word for a POSIX shell command line (tmux runs `command:` through sh -c). */
export function shQuote(s: string): string {
  if (/^[A-Za-z0-9_@%+=:,./-]+$/.test(s)) return s;
  return `'${s.replace(/'/g, `'\\''`)}'`;
}

/** The launch command of one demo agent. */
export function demoCommand(a: DemoAgent, node: string, standin: string): string {
  if (a.runtime === 'shell') return 'PS1="ops$ " exec sh -i';
  const words = [node, standin];
  if (a.workMs !== undefined) words.push('--work-ms', String(a.workMs));
  if (a.burstEveryMs !== undefined) words.push('--burst-every-ms', String(a.burstEveryMs));
  if (a.ask !== undefined) words.push('--ask', a.ask);
  return words.map(shQuote).join(' ');
}

/** YAML double-quoted scalar (JSON strings are valid YAML). */
const q = (s: string): string => JSON.stringify(s);

export interface DemoRosterInput {
  socket: string;
  /** absolute cwd of each agent */
  cwd: (name: string) => string;
  /** CLAUDE_CONFIG_DIR for every stand-in (a temp dir, never the operator's ~/.claude) */
  claudeHome: string;
  node: string;
  standin: string;
  agents?: readonly DemoAgent[];
}

/** The demo's roster file (a valid `fleet.yaml`, commented so a newcomer can learn from it). */
export function demoRosterYaml(i: DemoRosterInput): string {
  const agents = i.agents ?? DEMO_AGENTS;
  const lines = [
    '# fleet demo roster: written by `fleet demo`, removed when the demo exits.',
    'version: 1',
    `tmux: { socket: ${q(i.socket)} }`,
    '# A short busy window so the demo flips between busy and idle quickly.',
    'defaults: { runtime: claude, busyWindowSecs: 3, bootDeadlineSecs: 20 }',
    'agents:',
  ];
  for (const a of agents) {
    lines.push(`  # ${a.note}`);
    lines.push(`  - name: ${a.name}`);
    lines.push(`    runtime: ${a.runtime}`);
    lines.push(`    cwd: ${q(i.cwd(a.name))}`);
    lines.push(`    class: ${a.class}`);
    lines.push(`    tags: [${a.tags.join(', ')}]`);
    lines.push(`    command: ${q(demoCommand(a, i.node, i.standin))}`);
    if (a.kickstart !== undefined) lines.push(`    kickstart: ${q(a.kickstart)}`);
    if (a.managed) lines.push(`    managed: ${a.managed}`);
    if (a.runtime === 'claude') lines.push(`    env: { CLAUDE_CONFIG_DIR: ${q(i.claudeHome)} }`);
  }
  return lines.join('\n') + '\n';
}

/** The TASKS.md each demo agent finds in its working directory. */
export function demoTasksFile(a: DemoAgent): string {
  return [
    `# Tasks for ${a.name} (${a.class})`,
    '',
    'This is a fleet demo: the agent here is a stand-in that behaves like a coding agent.',
    '',
    `- [ ] ${a.firstTask ?? 'Pick something useful from the backlog'}`,
    '- [ ] Write the tests first',
    '',
  ].join('\n');
}
