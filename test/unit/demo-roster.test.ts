import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { DEMO_AGENTS, DEMO_STRAY, demoCommand, demoRosterYaml, demoTasksFile, shQuote, type DemoAgent } from '../../src/demo/agents.js';
import { demoSocketName } from '../../src/demo/setup.js';
import { agentNameProblem, socketNameProblem } from '../../src/domain/names.js';
import { parseRoster } from '../../src/domain/roster.js';

const input = {
  socket: 'fleet-demo-1-abcd',
  cwd: (n: string) => `/tmp/demo root/work/${n}`,
  claudeHome: "/tmp/demo root/it's claude",
  node: '/usr/bin/node',
  standin: '/opt/my fleet/dist/standin.js',
};

function parsed(agents?: readonly DemoAgent[]) {
  const r = parseRoster(demoRosterYaml({ ...input, ...(agents ? { agents } : {}) }), { file: '/tmp/demo root/fleet.yaml', isDirectory: () => true });
  if (!r.ok) throw new Error(JSON.stringify(r.problems));
  return r.roster;
}

describe('demo roster', () => {
  it('is a valid roster with 8–12 agents of several classes on the demo socket', () => {
    const roster = parsed();
    expect(roster.socket).toBe('fleet-demo-1-abcd');
    expect(roster.agents.length).toBeGreaterThanOrEqual(8);
    expect(roster.agents.length).toBeLessThanOrEqual(12);
    expect(new Set(roster.agents.map((a) => a.class)).size).toBeGreaterThanOrEqual(3);
    expect(roster.agents.map((a) => a.name)).toEqual(DEMO_AGENTS.map((a) => a.name));
    for (const a of roster.agents) expect(agentNameProblem(a.name)).toBeNull();
    expect(roster.defaults.busyWindowSecs).toBe(3);
  });

  it('has an agent for every behaviour: bursts, a question, asleep, stopped, dead, external, shell, stray', () => {
    const by = (f: (a: DemoAgent) => boolean) => DEMO_AGENTS.filter(f).map((a) => a.name);
    expect(by((a) => a.burstEveryMs !== undefined).length).toBeGreaterThanOrEqual(2);
    expect(by((a) => a.ask !== undefined)).toHaveLength(1);
    expect(by((a) => a.start === 'asleep')).toHaveLength(1);
    expect(by((a) => a.start === 'stopped')).toHaveLength(1);
    expect(by((a) => a.start === 'crash')).toHaveLength(1);
    expect(by((a) => a.managed === 'external')).toHaveLength(1);
    expect(by((a) => a.runtime === 'shell')).toHaveLength(1);
    expect(by((a) => a.start === 'live' && a.burstEveryMs === undefined && a.ask === undefined && a.runtime === 'claude').length).toBeGreaterThanOrEqual(1);
    expect(DEMO_AGENTS.map((a) => a.name)).not.toContain(DEMO_STRAY);
  });

  it('keeps every stand-in on the temp CLAUDE_CONFIG_DIR, never the operator’s ~/.claude', () => {
    for (const a of parsed().agents) {
      if (a.runtime === 'claude') expect(a.env.CLAUDE_CONFIG_DIR).toBe("/tmp/demo root/it's claude");
      else expect(a.env).toEqual({});
    }
  });

  it('carries the roster fields through (managed, kickstart, tags, cwd with spaces)', () => {
    const roster = parsed();
    const get = (n: string) => roster.agents.find((a) => a.name === n)!;
    expect(get('ci-bot').managed).toBe('external');
    expect(get('coder-1').managed).toBe('fleet');
    expect(get('docs-1').kickstart).toBe('Read TASKS.md and pick the next task');
    expect(get('coder-2').tags).toEqual(['api', 'db']);
    expect(get('coder-2').cwd).toBe('/tmp/demo root/work/coder-2');
    expect(get('ops-shell').runtime).toBe('shell');
  });

  it('still parses when an agent’s question holds quotes and YAML specials', () => {
    const odd: DemoAgent = { name: 'odd', runtime: 'claude', class: 'x', tags: [], start: 'live', ask: `Ship it? "yes": #1 'now'`, note: 'odd' };
    const roster = parsed([odd]);
    expect(roster.agents[0]!.command).toContain('--ask');
  });
});

describe('demo launch commands', () => {
  // Let a real sh split the command line, as tmux's `sh -c` will.
  const words = (cmd: string): string[] =>
    execFileSync('sh', ['-c', `set -- ${cmd}; printf '%s\\n' "$@"`], { encoding: 'utf8' }).split('\n').slice(0, -1);

  it('quote paths and questions so sh sees each word exactly', () => {
    const a: DemoAgent = { name: 'x', runtime: 'claude', class: 'c', tags: [], start: 'live', workMs: 5, burstEveryMs: 10, ask: `Merge "PR" #42? it's fine; $(echo pwned)`, note: '' };
    expect(words(demoCommand(a, '/usr/bin/node', '/opt/my fleet/standin.js'))).toEqual([
      '/usr/bin/node', '/opt/my fleet/standin.js', '--work-ms', '5', '--burst-every-ms', '10', '--ask', `Merge "PR" #42? it's fine; $(echo pwned)`,
    ]);
  });

  it('shQuote leaves plain words alone and quotes the rest', () => {
    expect(shQuote('/a/b-c_d.js')).toBe('/a/b-c_d.js');
    expect(shQuote('a b')).toBe(`'a b'`);
    expect(shQuote(`it's`)).toBe(`'it'\\''s'`);
    expect(shQuote('')).toBe(`''`);
  });

  it('the shell agent runs an interactive sh', () => {
    expect(demoCommand(DEMO_AGENTS.find((a) => a.runtime === 'shell')!, 'node', 's.js')).toContain('sh -i');
  });

  it('writes a TASKS.md naming the agent and its first task', () => {
    const t = demoTasksFile(DEMO_AGENTS[0]!);
    expect(t).toContain('coder-1');
    expect(t).toContain(DEMO_AGENTS[0]!.firstTask!);
  });
});

describe('demo socket names', () => {
  it('are valid, private (fleet-demo-<pid>-<random>) and differ between two demos of one process', () => {
    const a = demoSocketName(123);
    const b = demoSocketName(123);
    expect(a).toMatch(/^fleet-demo-123-[0-9a-f]{8}$/);
    expect(a).not.toBe(b);
    expect(socketNameProblem(a)).toBeNull();
  });
});
