import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parseDocument } from 'yaml';
import { EXAMPLE_ROSTER } from '../../src/cli/verbs/init.js';
import { demoRosterYaml } from '../../src/demo/agents.js';
import { parseSimpleYaml } from '../../src/domain/yaml-fast.js';

// The fast path's one rule: whenever it returns a value, `yaml` (which the full path uses) reads the
// same text without errors and to the same value (same key order, -0 is not 0). `undefined` is always
// allowed; the acceptance checks make sure it is not returned for the simple rosters it exists for.

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

/** Deep equality with Object.is on leaves (NaN equals NaN, -0 differs from 0), key order and plain prototypes. */
function same(a: unknown, b: unknown): boolean {
  if (Object.is(a, b)) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  if (Array.isArray(a) !== Array.isArray(b) || Object.getPrototypeOf(a) !== Object.getPrototypeOf(b)) return false;
  const ka = Reflect.ownKeys(a);
  const kb = Reflect.ownKeys(b);
  if (ka.length !== kb.length || ka.some((k, i) => k !== kb[i])) return false;
  return ka.every((k) => same((a as Record<PropertyKey, unknown>)[k], (b as Record<PropertyKey, unknown>)[k]));
}

function reference(text: string): { errors: string[]; value: unknown } {
  const doc = parseDocument(text, { uniqueKeys: true });
  const errors: string[] = doc.errors.map((e) => e.code);
  if (errors.length > 0) return { errors, value: undefined };
  try {
    return { errors, value: doc.toJS() };
  } catch (e) {
    return { errors: [`toJS: ${(e as Error).message}`], value: undefined };
  }
}

/** The differential check; returns whether the fast path accepted the text. */
function check(text: string): boolean {
  const fast = parseSimpleYaml(text);
  if (fast === undefined) return false;
  const ref = reference(text);
  if (ref.errors.length > 0 || !same(fast, ref.value)) {
    expect.fail(`fast path disagrees with yaml on ${JSON.stringify(text)}:\n fast: ${JSON.stringify(fast)}\n yaml: ${ref.errors.length ? ref.errors.join(',') : JSON.stringify(ref.value)}`);
  }
  return true;
}

// ---- the YAML written in the tests, docs and code ------------------------------------------------

function unescapeJs(s: string): string {
  return s.replace(/\\(u\{[0-9a-fA-F]+\}|u[0-9a-fA-F]{4}|x[0-9a-fA-F]{2}|[\s\S])/g, (_m, e: string) => {
    if (e[0] === 'u' && e.length > 1) return String.fromCodePoint(parseInt(e.replace(/[u{}]/g, ''), 16));
    if (e[0] === 'x' && e.length === 3) return String.fromCharCode(parseInt(e.slice(1), 16));
    return ({ n: '\n', t: '\t', r: '\r', '0': '\0', b: '\b', f: '\f', v: '\v', '\n': '' } as Record<string, string>)[e] ?? e;
  });
}

/** Template and quoted string literals holding YAML (`version:`), `${…}` replaced by a path. */
function yamlLiterals(file: string): string[] {
  const src = fs.readFileSync(path.join(ROOT, file), 'utf8');
  const out: string[] = [];
  for (const m of src.matchAll(/`((?:[^`\\]|\\[\s\S])*)`|'((?:[^'\\\n]|\\.)*)'/g)) {
    const body = m[1] ?? m[2] ?? '';
    if (!body.includes('version:')) continue;
    out.push(unescapeJs(body.replace(/\$\{[^}]*\}/g, '/tmp/sub dir/x')));
  }
  return out;
}

const TEST_FILES = [
  'test/unit/roster.test.ts',
  'test/unit/roster-cache.test.ts',
  'test/unit/demo-roster.test.ts',
  'test/faults/helpers.ts',
  ...fs.readdirSync(path.join(ROOT, 'test/faults')).filter((f) => f.endsWith('.test.ts')).map((f) => `test/faults/${f}`),
];

function docsExample(): string {
  const md = fs.readFileSync(path.join(ROOT, 'docs/CONFIGURATION.md'), 'utf8');
  const block = [...md.matchAll(/```yaml\n([\s\S]*?)```/g)].map((m) => m[1]!).find((b) => b.includes('version: 1'));
  if (!block) throw new Error('no example roster in docs/CONFIGURATION.md');
  return block;
}

const demo = demoRosterYaml({
  socket: 'fleet-demo-1-abcd',
  cwd: (n) => `/tmp/demo root/work/${n}`,
  claudeHome: "/tmp/demo root/it's claude",
  node: '/usr/bin/node',
  standin: '/opt/my fleet/dist/standin.js',
});

/** The roster `fleet bench` writes (src/bench/synth.ts). */
function benchRoster(n: number, socket = 'fleet-bench-123'): string {
  const root = '/tmp/fleet-bench-AbC';
  const lines = ['version: 1', `tmux: { socket: ${socket} }`, 'agents:'];
  for (let i = 0; i < n; i++) {
    const name = `a${String(i).padStart(3, '0')}`;
    const cmd = `sh '${root}/idle.sh' '${root}/claude/projects/-tmp-fleet-bench-AbC-work-${name}/1b4e28ba-2fa1-11d2-883f-0016d3cca427.jsonl' 1b4e28ba-2fa1-11d2-883f-0016d3cca427`;
    lines.push(`  - name: ${name}`, '    runtime: claude', `    cwd: ${root}/work/${name}`, `    command: ${JSON.stringify(cmd)}`,
      `    class: ${i % 2 ? 'implementer' : 'reviewer'}`, `    env: { CLAUDE_CONFIG_DIR: ${JSON.stringify(`${root}/claude`)} }`);
  }
  return lines.join('\n') + '\n';
}

// ---- a seeded generator ----------------------------------------------------------------------------

function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

class Gen {
  private readonly r: () => number;
  constructor(seed: number) {
    this.r = mulberry32(seed);
  }
  int(n: number): number {
    return Math.floor(this.r() * n);
  }
  chance(p: number): boolean {
    return this.r() < p;
  }
  pick<T>(xs: readonly T[]): T {
    return xs[this.int(xs.length)]!;
  }
}

/** Scalars the fast path must read (each is valid YAML giving the obvious value). */
const SAFE_VALUES = [
  'claude', 'codex', 'reviewer', 'implementer', '/tmp/x/y', '~/src', '"~"', '/w/a b', 'claude --model opus', '/clear',
  '"Read TASKS.md"', "'single quoted'", "'it''s'", '"with # hash"', '"with: colon"', "'a # b: c'", 'a#b', 'http://x.y/z?q=1#frag',
  'x:y', '-x', 'é', 'héllo wörld', '日本語', 'emoji 😀 x', '"esc \\n \\t \\\\ \\" \\x41 \\u00e9 \\U0001F600 \\/"', '""', "''",
  '0800', '1_000', '+12', '1.10', '.5', '1.', '1e3', '1E-3', '.5e+2', '0x1F', '0o17', '017', '-0', '+0', '12345678901234567890',
  '.inf', '-.Inf', '+.INF', '.nan', '.NaN', '.NAN', 'NaN', 'Infinity', '0X1F', '0O17', '-0x1', '0b101', '1:30', '1,000',
  '~', 'null', 'Null', 'NULL', 'nULL', 'true', 'True', 'TRUE', 'tRUE', 'false', 'FALSE', 'yes', 'no', 'on', 'off', 'y', 'n',
  '[]', '{}', '[api, web]', '[a, "b, c", \'d\']', '[ 1, 2.5, true, null, ~ ]', '{ A: x, B: "y, z" }', '{ CLAUDE_CONFIG_DIR: ~/.claude-work, PORT: "8080" }',
  'a"b', "a'b", 'a]b', 'a}b', 'a,b', 'a  b', '---', 'a ---', '...x', '-- x', '"a\\"b"', 'C:\\path', '"C:\\\\path"',
];

/** Scalars and bits the fast path may refuse, many of them invalid YAML. */
const WILD_VALUES = [
  ...SAFE_VALUES,
  'a: b', 'a:', ':a', '- a', '-', '"unterminated', "'unterminated", '"a" b', "'a' b", '"a"#c', '"bad \\q"', '"\\x4"', '"\\u12"',
  '"\\N \\_ \\L \\P"', '"\\ "', '[a, [b]]', '{a: {b: 1}}', '[a,]', '[a, ,b]', '[a: b]', '{ a }', '{a:1}', '{ a: }', '[a #c]', '[-, x]',
  '[a', '{a: 1', '[a]]', '[a] x', '{ a: 1, a: 2 }', '{ "a": 1, a: 2 }', '&anchor x', '*alias', '!tag x', '!!str 1', '|', '>', '|-',
  '@x', '`x`', '%x', '? x', '#', ' #c', '', '{', '[', '- - a', 'x: y: z', 'a\tb', 'tab\t', 'x\u0085y', 'nbsp\u00a0', 'a\u2028b',
  'bom\ufeff', '"\\uD800"', '\ud800x', '?', ':', ',a', ']', '}', 'a #b: c', '"\\U00110000"', '[a, "b" c]', "['a''b']",
];

const KEYS = ['version', 'name', 'cwd', 'runtime', 'class', 'tags', 'env', 'a.b', 'a-b', '_x', 'X9'];
const WILD_KEYS = [
  ...KEYS, 'null', 'true', 'True', 'NULL', 'FALSE', '"quoted key"', "'sq key'", '"a: b"', '"__proto__"', '__proto__', 'constructor',
  'toString', '"<<"', '<<', '1', '"1"', 'a b', '?x', '-x', '"x" ', 'x ', '"', "'it''s'", '"e\\u00e9"', 'é', 'ke#y', 'k:y', '~', '"true"',
];

const comment = (g: Gen): string => g.pick(['', '', '', ' # note', '  #c: d', ' # "quoted" [x]', ' #']);
const trail = (g: Gen): string => (g.chance(0.1) ? ' '.repeat(1 + g.int(3)) : '');

/** A roster of the shape people and fleet write; the fast path must accept every one. */
function plainRoster(g: Gen): string {
  const w = g.pick([2, 3, 4]);
  const sp = (n: number): string => ' '.repeat(n);
  const lines: string[] = [];
  if (g.chance(0.3)) lines.push('# fleet roster' + (g.chance(0.5) ? ' — ünïcode' : ''));
  lines.push('version: 1' + comment(g));
  if (g.chance(0.5)) lines.push(g.chance(0.5) ? `tmux: { socket: fleet-${g.int(999)} }` : `tmux:\n${sp(w)}socket: ${g.pick(['fleet', '"f-1"', "'x'"])}${comment(g)}`);
  if (g.chance(0.4)) {
    lines.push('defaults:' + comment(g));
    for (const [k, v] of [['runtime', 'claude'], ['cwd', g.pick(['"~"', '/w', '~/src'])], ['idleSecs', g.pick(['60', '1.5', '1e3'])]] as const) {
      if (g.chance(0.7)) lines.push(`${sp(w)}${k}: ${v}${trail(g)}${comment(g)}`);
    }
  }
  if (g.chance(0.1)) lines.push(`agents: ${g.pick(['[]', '', '~'])}`);
  else {
    lines.push('agents:');
    const same = g.chance(0.3); // "agents:\n- name: x"
    const d = same ? 0 : w;
    const n = 1 + g.int(6);
    for (let i = 0; i < n; i++) {
      if (g.chance(0.2)) lines.push(sp(g.int(6)) + '# agent ' + i);
      if (g.chance(0.15)) lines.push('');
      const q = g.pick(['', '', '"', "'"]);
      const fields: string[] = [`name: ${q}a${i}${q}`];
      if (g.chance(0.7)) fields.push(`cwd: ${g.pick(['/w', '"/w x"', "'/w'", '~/a', '/tmp/é'])}`);
      if (g.chance(0.5)) fields.push(`command: ${g.pick(SAFE_VALUES.filter((v) => !v.startsWith('[') && !v.startsWith('{')))}`);
      if (g.chance(0.4)) fields.push(`tags: ${g.pick(['[api]', '[a, "b c", \'d\']', '[]'])}`);
      if (g.chance(0.3)) fields.push(`env: ${g.pick(['{ A: x, B: "y, z" }', '{}', '{ CLAUDE_CONFIG_DIR: "/tmp/c" }'])}`);
      if (g.chance(0.3)) fields.push(`class: ${g.pick(SAFE_VALUES)}`);
      if (g.chance(0.2)) fields.push('kickstart:');
      const style = g.int(3);
      let ind = d + w; // of the agent's fields
      if (style === 0) {
        // - name: x
        //   cwd: y
        const dash = g.pick([1, 1, 2, 3]);
        ind = d + 1 + dash;
        lines.push(`${sp(d)}-${sp(dash)}${fields[0]}${trail(g)}${comment(g)}`);
        for (const f of fields.slice(1)) lines.push(`${sp(ind)}${f}${trail(g)}${comment(g)}`);
      } else if (style === 1) {
        // -
        //   name: x
        lines.push(`${sp(d)}-${comment(g)}`);
        for (const f of fields) lines.push(`${sp(ind)}${f}${trail(g)}${comment(g)}`);
      } else {
        const flowSafe = fields.filter((f) => !f.endsWith(':') && !/: [[{]|[\]},]|^command|^class/.test(f));
        lines.push(`${sp(d)}- { ${flowSafe.join(', ')} }${comment(g)}`);
      }
      if (style !== 2 && g.chance(0.2)) {
        // a nested block list
        lines.push(`${sp(ind)}more:`);
        const sameSeq = g.chance(0.5);
        for (let k = 0; k < 1 + g.int(3); k++) lines.push(`${sp(sameSeq ? ind : ind + w)}- ${g.pick(SAFE_VALUES)}${comment(g)}`);
      }
    }
  }
  let text = lines.join('\n') + (g.chance(0.9) ? '\n' : '');
  if (g.chance(0.2)) text = text.replace(/\n/g, '\r\n');
  if (g.chance(0.05)) text = '\ufeff' + text;
  return text;
}

/** Any block structure, with hazards (duplicates, odd indentation, refused constructs). */
function wildBlock(g: Gen, ind: number, depth: number, out: string[]): void {
  const sp = (n: number): string => ' '.repeat(Math.max(0, n));
  const w = g.pick([1, 2, 2, 3, 4]);
  const n = 1 + g.int(4);
  if (g.chance(0.6) || depth > 3) {
    const keys = g.chance(0.5) ? KEYS : WILD_KEYS;
    for (let i = 0; i < n; i++) {
      const key = g.pick(keys);
      const r = g.int(10);
      if (r < 5 || depth > 3) out.push(`${sp(ind)}${key}:${g.pick([' ', ' ', '  ', ''])}${g.pick(g.chance(0.5) ? SAFE_VALUES : WILD_VALUES)}${trail(g)}${comment(g)}`);
      else if (r < 7) {
        out.push(`${sp(ind)}${key}:${comment(g)}`);
        wildBlock(g, ind + w, depth + 1, out);
      } else if (r < 8) {
        out.push(`${sp(ind)}${key}:${comment(g)}`);
        for (let k = 0; k < 1 + g.int(3); k++) out.push(`${sp(ind)}- ${g.pick(SAFE_VALUES)}`);
      } else out.push(`${sp(ind)}${key}:${trail(g)}${comment(g)}`);
      if (g.chance(0.05)) out.push(sp(g.int(8)) + '# between');
    }
  } else {
    for (let i = 0; i < n; i++) {
      const r = g.int(10);
      if (r < 4 || depth > 3) out.push(`${sp(ind)}- ${g.pick(g.chance(0.5) ? SAFE_VALUES : WILD_VALUES)}${comment(g)}`);
      else if (r < 7) {
        const sub: string[] = [];
        wildBlock(g, 0, depth + 1, sub);
        const dash = 1 + g.int(3);
        const first = sub[0] ?? 'x: 1';
        const lead = first.length - first.trimStart().length;
        out.push(`${sp(ind)}-${sp(dash)}${first.trimStart()}`);
        for (const l of sub.slice(1)) out.push(sp(ind + 1 + dash - lead) + l);
      } else {
        out.push(`${sp(ind)}-${comment(g)}`);
        wildBlock(g, ind + w, depth + 1, out);
      }
    }
  }
}

function wildDoc(g: Gen): string {
  const out: string[] = [];
  if (g.chance(0.1)) out.push(g.pick(['---', '%YAML 1.2', '...', '--- # c', '# only a comment']));
  wildBlock(g, g.chance(0.9) ? 0 : 1 + g.int(2), 0, out);
  if (g.chance(0.1)) out.push(g.pick(['---', '...', 'x: 1', '  y: 2', '- z', '\tz: 1']));
  let text = out.join('\n') + (g.chance(0.9) ? '\n' : '');
  if (g.chance(0.15)) text = text.replace(/\n/g, '\r\n');
  return text;
}

const MUTATIONS = [' ', '  ', '\t', '\n', '\r', '\r\n', ':', ': ', '#', ' #', '-', '- ', '"', "'", '[', ']', '{', '}', ',', '&a ', '*a', '!', '|', '>', '?', '\\', '~', '0', '.', 'é', '\ufeff', '---\n', '\n  ', '\n- '];

function mutate(g: Gen, text: string): string {
  let t = text;
  for (let m = 0; m < 1 + g.int(3); m++) {
    const at = g.int(t.length + 1);
    const r = g.int(5);
    if (r === 0) t = t.slice(0, at) + t.slice(at + 1 + g.int(3));
    else if (r === 1) {
      const lines = t.split('\n');
      const i = g.int(lines.length);
      lines.splice(i, 0, lines[g.int(lines.length)]!); // a repeated line: often a duplicate key
      t = lines.join('\n');
    } else if (r === 2) {
      const lines = t.split('\n');
      const i = g.int(lines.length);
      lines[i] = g.chance(0.5) ? ' ' + lines[i]! : lines[i]!.replace(/^ /, '');
      t = lines.join('\n');
    } else t = t.slice(0, at) + g.pick(MUTATIONS) + t.slice(at);
  }
  return t;
}

// ---- tests -------------------------------------------------------------------------------------------

describe('parseSimpleYaml: returns what yaml returns, or undefined', () => {
  it('the YAML in the roster tests, fault tests, docs, `fleet init` and `fleet demo`', () => {
    const literals = TEST_FILES.flatMap(yamlLiterals);
    expect(literals.length).toBeGreaterThan(30);
    let accepted = 0;
    for (const t of literals) if (check(t)) accepted++;
    expect(accepted).toBeGreaterThan(literals.length / 2);
    // the ones people start from must take the fast path
    for (const t of [docsExample(), EXAMPLE_ROSTER, demo, benchRoster(3)]) expect(check(t), t).toBe(true);
  });

  it('core-schema scalars: typed exactly as yaml types them', () => {
    for (const v of SAFE_VALUES) {
      for (const t of [`k: ${v}\n`, `- ${v}\n`, `k: [${v}]\n`, `k: { a: ${v} }\n`]) check(t);
      expect(check(`k: ${v}\n`), v).toBe(true);
    }
    expect(parseSimpleYaml('a: 0800\nb: 1_000\nc: +12\nd: 1.10\ne: .5\nf: 1e3\ng: 0x1F\nh: 0o17\ni: -0\nj: ~\nk: True\nl: .NaN\nm:\n')).toStrictEqual({
      a: 800, b: '1_000', c: 12, d: 1.1, e: 0.5, f: 1000, g: 31, h: 15, i: -0, j: null, k: true, l: NaN, m: null,
    });
    expect(Object.is((parseSimpleYaml('i: -0\n') as { i: number }).i, -0)).toBe(true);
  });

  it('plain generated rosters: accepted, and equal to yaml', () => {
    const g = new Gen(20240601);
    for (let i = 0; i < 1200; i++) {
      const t = plainRoster(g);
      expect(check(t), JSON.stringify(t)).toBe(true);
    }
  });

  it('wild generated documents and mutated rosters: never a different answer', () => {
    const g = new Gen(7);
    let accepted = 0;
    let refused = 0;
    for (let i = 0; i < 1500; i++) {
      if (check(wildDoc(g))) accepted++;
      else refused++;
    }
    for (let i = 0; i < 2000; i++) {
      const base = g.chance(0.5) ? plainRoster(g) : wildDoc(g);
      if (check(mutate(g, base))) accepted++;
      else refused++;
    }
    // both sides of the line are exercised
    expect(accepted).toBeGreaterThan(500);
    expect(refused).toBeGreaterThan(500);
  });

  it('a duplicate key is never accepted (yaml reports it; the full path must)', () => {
    const g = new Gen(99);
    for (let i = 0; i < 300; i++) {
      const t = plainRoster(g).replace(/\r\n/g, '\n');
      const lines = t.split('\n');
      const k = lines.findIndex((l) => /^ *(- )?name: /.test(l));
      if (k < 0) continue;
      const dup = lines.slice();
      dup.splice(k + 1, 0, lines[k]!.replace(/- /, '  ').replace(/name: .*/, 'name: again'));
      const text = dup.join('\n');
      expect(reference(text).errors.length, text).toBeGreaterThan(0);
      expect(parseSimpleYaml(text), text).toBeUndefined();
    }
  });

  it('the 500-agent roster `fleet bench` writes takes the fast path', () => {
    const text = benchRoster(500);
    expect(text.length).toBeGreaterThan(150_000);
    const fast = parseSimpleYaml(text) as { agents: Array<Record<string, unknown>> } | undefined;
    expect(fast).toBeDefined();
    expect(fast!.agents).toHaveLength(500);
    expect(fast!.agents[7]).toEqual({
      name: 'a007', runtime: 'claude', cwd: '/tmp/fleet-bench-AbC/work/a007', class: 'implementer',
      command: "sh '/tmp/fleet-bench-AbC/idle.sh' '/tmp/fleet-bench-AbC/claude/projects/-tmp-fleet-bench-AbC-work-a007/1b4e28ba-2fa1-11d2-883f-0016d3cca427.jsonl' 1b4e28ba-2fa1-11d2-883f-0016d3cca427",
      env: { CLAUDE_CONFIG_DIR: '/tmp/fleet-bench-AbC/claude' },
    });
    expect(check(text)).toBe(true);
    expect(check(text.replace(/\n/g, '\r\n'))).toBe(true);
  });

  it.each([
    ['a tab in indentation', 'version: 1\nagents:\n\t- name: a\n'],
    ['a tab after a key', 'version:\t1\n'],
    ['a duplicate key', 'version: 1\nagents:\n  - name: a\n    cwd: /w\n    cwd: /t\n'],
    ['a duplicate key in a flow mapping', 'version: 1\ntmux: { socket: a, socket: b }\n'],
    ['a duplicate top-level key, quoted once', 'version: 1\n"version": 1\n'],
    ['an anchor and an alias', 'version: 1\nagents:\n  - name: a\n    tags: &t [x]\n  - name: b\n    tags: *t\n'],
    ['a block scalar', 'version: 1\nagents:\n  - name: a\n    kickstart: |\n      hello\n'],
    ['a folded block scalar', 'version: 1\nk: >-\n  a\n  b\n'],
    ['a multi-line flow sequence', 'version: 1\nagents: [\n  a, b\n]\n'],
    ['a multi-line flow mapping', 'version: 1\ntmux: { socket:\n  x }\n'],
    ['a document start marker', '---\nversion: 1\n'],
    ['a document end marker', 'version: 1\n...\n'],
    ['a directive', '%YAML 1.2\n---\nversion: 1\n'],
    ['a second document', 'version: 1\n---\nversion: 1\n'],
    ['a tag', 'version: !!int 1\n'],
    ['a complex key', '? version\n: 1\n'],
    ['a multi-line plain scalar', 'version: 1\nk: a\n  b\n'],
    ['a multi-line quoted scalar', 'version: 1\nk: "a\n  b"\n'],
    ['an unknown escape', 'k: "a\\qb"\n'],
    ['a nested flow collection', 'k: [a, [b]]\n'],
    ['a null key', 'null: 1\n'],
    ['an empty document', '# nothing\n\n'],
    ['a lone CR', 'a: 1\rb: 2\n'],
    ['a control character', 'a: b\u0007c\n'],
  ])('refuses %s', (_what, text) => {
    expect(parseSimpleYaml(text)).toBeUndefined();
  });

  it('keeps key order and defines inherited names as own keys, like yaml', () => {
    const t = 'z: 1\na: 2\n"10": 3\nconstructor: 4\ntoString: 5\n';
    check(t);
    const v = parseSimpleYaml(t) as Record<string, unknown>;
    expect(Object.keys(v)).toEqual(['10', 'z', 'a', 'constructor', 'toString']);
    expect(Object.getPrototypeOf(v)).toBe(Object.prototype);
    check('"__proto__": 1\n');
    expect(Object.getPrototypeOf(parseSimpleYaml('"__proto__": { a: 1 }\n') ?? {})).toBe(Object.prototype);
  });
});
