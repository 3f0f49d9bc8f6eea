import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { EXAMPLE_ROSTER } from '../../src/cli/verbs/init.js';
import { demoRosterYaml } from '../../src/demo/agents.js';
import { ConfigError, formatProblem, type Problem } from '../../src/domain/errors.js';
import { DEFAULTS, MAX_ROSTER_BYTES, parseRoster } from '../../src/domain/roster.js';
import { parseSimpleYaml } from '../../src/domain/yaml-fast.js';
import { loadRoster } from '../../src/state/roster-file.js';
import { REPO_ROOT, tempDir } from '../helpers/tmux.js';

const FILE = '/cfg/fleet.yaml';
const DIRS = new Set(['/work', '/work/app', '/home/op', '/home/op/src', '/cfg', '/cfg/rel']);
const opts = { file: FILE, home: '/home/op', isDirectory: (p: string) => DIRS.has(p) };

function problems(text: string): Problem[] {
  const r = parseRoster(text, opts);
  if (r.ok) throw new Error('expected the roster to be rejected');
  return r.problems;
}
function one(text: string, field?: string): Problem {
  const ps = problems(text).filter((p) => field === undefined || p.field === field);
  expect(ps, JSON.stringify(problems(text))).toHaveLength(1);
  return ps[0]!;
}
const agent = (name: string, extra = ''): string => `version: 1\nagents:\n  - name: ${name}\n    cwd: /work\n${extra}`;

/** The DESIGN §3 example roster (parsed both ways below). */
const DESIGN_EXAMPLE = `version: 1
tmux: { socket: myfleet }
defaults: { runtime: codex, cwd: ~/src, idleSecs: 60 }
agents:
  - name: coder0
    runtime: claude
    cwd: /work/app
    class: implementer
    tags: [api]
    command: claude --model opus
    reset: /clear
    kickstart: "Read TASKS.md"
    env: { CLAUDE_CONFIG_DIR: ~/.claude-work, PORT: "8080" }
    managed: external
  - name: r-2
    cwd: rel
`;

describe('parseRoster: a good roster', () => {
  it('parses the DESIGN §3 example, expands ~ and fills defaults', () => {
    const r = parseRoster(
      DESIGN_EXAMPLE,
      opts,
    );
    if (!r.ok) throw new Error(r.problems.map(formatProblem).join('\n'));
    expect(r.roster.socket).toBe('myfleet');
    expect(r.roster.defaults).toMatchObject({ runtime: 'codex', cwd: '/home/op/src', idleSecs: 60, busyWindowSecs: DEFAULTS.busyWindowSecs });
    const [a, b] = r.roster.agents;
    expect(a).toMatchObject({ name: 'coder0', runtime: 'claude', cwd: '/work/app', class: 'implementer', tags: ['api'], managed: 'external' });
    expect(a!.env).toEqual({ CLAUDE_CONFIG_DIR: '/home/op/.claude-work', PORT: '8080' });
    // relative cwd resolves against the roster's directory; runtime and managed come from defaults
    expect(b).toMatchObject({ name: 'r-2', runtime: 'codex', cwd: '/cfg/rel', managed: 'fleet', tags: [] });
  });

  it('defaults the socket to "fleet" and accepts an empty agents list', () => {
    for (const text of ['version: 1\n', 'version: 1\nagents:\n', 'version: 1\nagents: []\n']) {
      const r = parseRoster(text, opts);
      expect(r.ok && r.roster.socket).toBe('fleet');
      expect(r.ok && r.roster.agents).toEqual([]);
    }
  });

  it('an agent without cwd takes defaults.cwd', () => {
    const r = parseRoster('version: 1\ndefaults: { cwd: /work }\nagents:\n  - name: a\n', opts);
    expect(r.ok && r.roster.agents[0]!.cwd).toBe('/work');
  });
});

describe('parseRoster: every problem names file, line:column and field', () => {
  it('YAML syntax error', () => {
    expect(one('version: 1\n\tagents: []\n')).toMatchObject({ file: FILE, line: 2, col: 1, message: 'YAML: Tabs are not allowed as indentation' });
    expect(one('version: 1\nagents:\n  - name: "coder\n    cwd: /w\n')).toMatchObject({ file: FILE, line: 5, col: 1, message: expect.stringMatching(/^YAML: Missing closing "quote/) });
    const several = problems('version: 1\nagents: [\n  - name: a\n');
    expect(several.length).toBeGreaterThan(0);
    for (const p of several) expect(p).toMatchObject({ file: FILE, line: expect.any(Number), col: expect.any(Number), message: expect.stringMatching(/^YAML: /) });
  });

  it('unknown key with "did you mean"', () => {
    const p = one(agent('a', '    runtmie: claude\n'));
    expect(p).toMatchObject({ line: 5, col: 5, field: 'agents[0].runtmie', message: 'unknown key "runtmie"', hint: 'did you mean "runtime"?' });
    const top = one('version: 1\nagent:\n  - name: a\n');
    expect(top).toMatchObject({ line: 2, col: 1, field: 'agent', hint: 'did you mean "agents"?' });
    const far = one('version: 1\ntmux: { zzzzzzzzzz: 1 }\n');
    expect(far.field).toBe('tmux.zzzzzzzzzz');
    expect(far.hint).toBe('allowed: socket');
  });

  it('duplicate agent name points at the second and names the first', () => {
    const p = one(`version: 1\nagents:\n  - { name: coder, cwd: /work }\n  - { name: coder, cwd: /work }\n`);
    expect(p).toMatchObject({ line: 4, col: 13, field: 'agents[1].name', message: 'duplicate agent name "coder"' });
    expect(p.hint).toContain('agents[0] (line 3)');
  });

  it.each([
    ['coder.1', /contains "\." or ":"/],
    ['coder:1', /contains "\." or ":"/],
    ['"my coder"', /white space/],
    ['"x#(touch /tmp/pwned)"', /contains "#"/],
    ['Coder', /upper-case/],
    ['a'.repeat(33), /33 characters long/],
    ['1coder', /start with a lower-case letter/],
    ['co_der', /lower-case letters, digits and "-"/],
    ['""', /is empty/],
  ])('bad name %s', (name, re) => {
    const p = one(agent(name));
    expect(p).toMatchObject({ file: FILE, line: 3, col: 11, field: 'agents[0].name' });
    expect(p.message).toMatch(re);
    expect(p.hint).toContain('^[a-z][a-z0-9-]{0,31}$');
  });

  it('a name of exactly 32 characters is fine', () => {
    expect(parseRoster(agent('a'.repeat(32)), opts).ok).toBe(true);
  });

  it('wrong types say what was expected and what was found', () => {
    expect(one(agent('a', '    tags: api\n'))).toMatchObject({ line: 5, col: 11, field: 'agents[0].tags', message: 'expected a list, got text "api"' });
    expect(one(agent('a', '    env: [A]\n'))).toMatchObject({ field: 'agents[0].env', message: 'expected a mapping, got a list' });
    expect(one(agent('a', '    runtime: claud\n'))).toMatchObject({ field: 'agents[0].runtime', hint: 'did you mean "claude"?' });
    expect(one('version: 1\ndefaults: { idleSecs: -5 }\n')).toMatchObject({ field: 'defaults.idleSecs', line: 2, col: 23 });
    expect(one('version: 2\n')).toMatchObject({ field: 'version', message: 'must be 1, got number 2' });
    expect(one('agents: []\n')).toMatchObject({ field: 'version', message: expect.stringContaining('version: 1') });
    expect(one('- a\n- b\n')).toMatchObject({ field: '(top level)', line: 1, col: 1, message: 'expected a mapping, got a list' });
    expect(one('version: 1\nagents:\n  - cwd: /work\n')).toMatchObject({ field: 'agents[0].name', message: 'is required (expected string)' });
  });

  it.each([
    ['class: 0800', 'agents[0].class', /number 800/],
    ['class: 1.10', 'agents[0].class', /number 1\.1/],
    ['env: { PORT: 8080 }', 'agents[0].env.PORT', /number 8080/],
    ['tags: [v1, 2.0]', 'agents[0].tags[1]', /number 2/],
  ])('YAML-coerced number %s gets a "quote it" hint', (line, field, re) => {
    const p = one(agent('a', `    ${line}\n`));
    expect(p.field).toBe(field);
    expect(p.message).toMatch(re);
    expect(p.hint).toMatch(/quote it/);
  });

  it('a bare ~ (YAML null) where a path belongs says to quote it', () => {
    expect(one('version: 1\ndefaults: { cwd: ~ }\n')).toMatchObject({ field: 'defaults.cwd', message: 'expected string, got null', hint: expect.stringContaining('"~"') });
  });

  it('a boolean where text belongs gets a "quote it" hint', () => {
    expect(one(agent('a', '    class: true\n')).hint).toMatch(/true\/false; quote it/);
  });

  it('missing cwd directory names the directory and how to create it', () => {
    const p = one('version: 1\nagents:\n  - name: a\n    cwd: /nope/x\n');
    expect(p).toMatchObject({ line: 4, col: 10, field: 'agents[0].cwd', message: 'directory /nope/x does not exist' });
    expect(p.hint).toContain('mkdir -p /nope/x');
    const d = one('version: 1\ndefaults: { cwd: ~/gone }\nagents:\n  - name: a\n  - name: b\n');
    expect(d).toMatchObject({ field: 'defaults.cwd', line: 2, col: 18, message: expect.stringContaining('/home/op/gone') });
    expect(one('version: 1\nagents:\n  - name: a\n')).toMatchObject({ field: 'agents[0].cwd', message: 'agent "a" has no cwd' });
  });

  it.each([['../x'], ['a/b'], ['default'], ['"x y"'], ['..']])('bad socket %s', (sock) => {
    const p = one(`version: 1\ntmux:\n  socket: ${sock}\n`);
    expect(p).toMatchObject({ file: FILE, line: 3, col: 11, field: 'tmux.socket' });
  });

  it('duplicate YAML keys are an error, not "last one wins"', () => {
    const p = one('version: 1\nagents:\n  - name: a\n    cwd: /work\n    cwd: /tmp\n');
    expect(p).toMatchObject({ line: 5, col: 5, message: expect.stringMatching(/unique/) });
    expect(p.hint).toMatch(/only once/);
  });

  it('a YAML alias bomb is refused', () => {
    const bomb = [
      'version: 1',
      'a: &a ["x","x","x","x","x","x","x","x","x"]',
      'b: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]',
      'c: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]',
      'd: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c]',
      'e: &e [*d,*d,*d,*d,*d,*d,*d,*d,*d]',
      'f: &f [*e,*e,*e,*e,*e,*e,*e,*e,*e]',
      '',
    ].join('\n');
    const ps = problems(bomb);
    expect(ps).toHaveLength(1);
    expect(ps[0]).toMatchObject({ file: FILE, line: 3, message: expect.stringMatching(/^YAML: .*alias/i), hint: expect.stringMatching(/billion laughs/) });
  });

  it('an empty file (or only comments) is "the roster is empty"', () => {
    for (const t of ['', '\n', '# nothing here\n']) expect(one(t)).toMatchObject({ line: 1, col: 1, message: 'the roster is empty', hint: expect.stringContaining('fleet init') });
  });

  it('a huge text is refused without parsing it', () => {
    const p = one('version: 1\n# ' + 'x'.repeat(MAX_ROSTER_BYTES) + '\n');
    expect(p.message).toMatch(/limit is/);
  });

  it('reports ALL problems at once: a type error never hides bad names, duplicates, cwds or the socket', () => {
    const ps = problems(`version: 1
tmux: { socket: ../x }
defaults: { runtim: claude }
agents:
  - name: Coder.1
    cwd: /nope
  - name: ok
    cwd: /work
    tags: 5
  - name: ok
    cwd: /work
`);
    expect(ps.map((p) => p.field)).toEqual(['tmux.socket', 'defaults.runtim', 'agents[0].name', 'agents[0].cwd', 'agents[1].tags', 'agents[2].name']);
    // sorted by position
    expect(ps.map((p) => p.line)).toEqual([2, 3, 5, 6, 9, 10]);
  });

  it('formatProblem renders file:line:col: field: message — hint', () => {
    expect(formatProblem({ file: '/f.yaml', line: 3, col: 7, field: 'agents[0].name', message: 'bad', hint: 'fix it' })).toBe('/f.yaml:3:7: agents[0].name: bad — fix it');
  });
});

describe('loadRoster (file)', () => {
  it('a missing file says how to create one', () => {
    const f = path.join(tempDir(), 'none.yaml');
    expect(() => loadRoster(f)).toThrowError(/fleet init/);
  });

  it('a huge file is refused by size, and bad files throw ConfigError (exit 2) and are never rewritten', () => {
    const dir = tempDir();
    const big = path.join(dir, 'big.yaml');
    fs.writeFileSync(big, 'version: 1\n' + '#'.repeat(MAX_ROSTER_BYTES + 10));
    let err: unknown;
    try {
      loadRoster(big);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ConfigError);
    expect((err as ConfigError).exitCode).toBe(2);
    expect((err as ConfigError).problems[0]!.message).toMatch(/bytes; the limit is/);

    const bad = path.join(dir, 'bad.yaml');
    const text = 'version: 1\nagents:\n  - name: Bad.Name\n    cwd: /nope\n';
    fs.writeFileSync(bad, text);
    const before = fs.statSync(bad).mtimeMs;
    expect(() => loadRoster(bad)).toThrowError(/agents\[0\]\.name/);
    expect(fs.readFileSync(bad, 'utf8')).toBe(text);
    expect(fs.statSync(bad).mtimeMs).toBe(before);
  });

  it('a directory is not a roster', () => {
    expect(() => loadRoster(tempDir())).toThrowError(/not a regular file/);
  });
});

describe('parseRoster: the YAML fast path (the `fleet top` first-frame budget)', () => {
  const anyDir = { file: FILE, home: '/home/op', isDirectory: () => true };
  const bench = (n: number): string => {
    const lines = ['version: 1', 'tmux: { socket: fleet-bench-123 }', 'agents:'];
    for (let i = 0; i < n; i++) {
      const name = `a${String(i).padStart(3, '0')}`;
      lines.push(`  - name: ${name}`, '    runtime: claude', `    cwd: /tmp/fleet-bench-AbC/work/${name}`,
        `    command: ${JSON.stringify(`sh '/tmp/fleet-bench-AbC/idle.sh' '/tmp/x/${name}.jsonl' 1b4e28ba-2fa1-11d2-883f-0016d3cca427`)}`,
        `    class: ${i % 2 ? 'implementer' : 'reviewer'}`, '    env: { CLAUDE_CONFIG_DIR: "/tmp/fleet-bench-AbC/claude" }');
    }
    return lines.join('\n') + '\n';
  };
  const valid: Array<[string, typeof opts | typeof anyDir]> = [
    [DESIGN_EXAMPLE, opts],
    ['version: 1\n', opts],
    ['version: 1\nagents:\n', opts],
    ['version: 1\nagents: []\n', opts],
    ['version: 1\ndefaults: { cwd: /work }\nagents:\n  - name: a\n', opts],
    [agent('a'.repeat(32)), opts],
    ['version: 1\ndefaults: { cwd: /work }\nagents:\n  - name: a1\n  - name: a2\n    class: coder\n    tags: [x]\n', opts],
    ['\ufeffversion: 1\r\nagents:\r\n- name: a # same-indent list, CRLF, BOM\r\n  cwd: "~/src"\r\n  env: { HOME_DIR: "~", X: \'it\'\'s\' }\r\n', opts],
    [EXAMPLE_ROSTER, opts],
    [fs.readFileSync(path.join(REPO_ROOT, 'docs/CONFIGURATION.md'), 'utf8').match(/```yaml\n(version: 1[\s\S]*?)```/)![1]!, anyDir],
    [demoRosterYaml({ socket: 'fleet-demo-1-abcd', cwd: (n) => `/tmp/demo root/${n}`, claudeHome: "/tmp/it's claude", node: '/usr/bin/node', standin: '/opt/s.js' }), anyDir],
    [bench(50), anyDir],
  ];

  it('every valid roster takes the fast path and gives exactly the Roster the full path gives', () => {
    for (const [text, o] of valid) {
      expect(parseSimpleYaml(text), text).toBeDefined();
      const fast = parseRoster(text, o);
      if (!fast.ok) throw new Error(fast.problems.map(formatProblem).join('\n'));
      expect(fast).toStrictEqual(parseRoster(text, { ...o, fast: false }));
    }
  });

  it('a roster the fast path reads but the checks refuse is reported by the full path, with line:column', () => {
    const texts = [
      agent('Coder'),
      agent('a', '    tags: api\n'),
      agent('a', '    runtmie: claude\n'),
      'version: 1\nagents:\n  - name: a\n    cwd: /nope/x\n',
      'version: 2\n',
      'version: 1\ntmux: { socket: ../x }\n',
      'version: 1\nagents:\n  - { name: coder, cwd: /work }\n  - { name: coder, cwd: /work }\n',
    ];
    for (const text of texts) {
      expect(parseSimpleYaml(text), text).toBeDefined();
      const r = parseRoster(text, opts);
      expect(r).toStrictEqual(parseRoster(text, { ...opts, fast: false }));
      if (r.ok) throw new Error(`expected ${JSON.stringify(text)} to be rejected`);
      for (const p of r.problems) expect(p, text).toMatchObject({ line: expect.any(Number), col: expect.any(Number) });
    }
  });
});
