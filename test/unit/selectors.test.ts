import { describe, expect, it } from 'vitest';
import { globToRegExp, resolveSelectors } from '../../src/domain/selectors.js';
import type { AgentRow } from '../../src/domain/types.js';

const row = (name: string, o: Partial<AgentRow> = {}): AgentRow => ({
  name, runtime: 'claude', state: 'idle', session: null, cwd: '/w', class: null, tags: [],
  lastActivityAt: null, stateSince: null, pid: null, stopped: false, managed: 'fleet', ...o,
});

const rows: AgentRow[] = [
  row('coder0', { class: 'implementer', tags: ['api'], state: 'busy' }),
  row('coder1', { class: 'implementer', tags: ['api', 'web'] }),
  row('coder10', { class: 'implementer', state: 'asleep' }),
  row('reviewer', { class: 'reviewer', runtime: 'codex', tags: ['web'] }),
  row('ops', { runtime: 'shell', state: 'stopped', stopped: true }),
  row('ghost', { runtime: null, state: 'stray', class: null, managed: null }),
];

describe('resolveSelectors', () => {
  it.each([
    [['coder1'], ['coder1']],
    [['coder*'], ['coder0', 'coder1', 'coder10']],
    [['coder?'], ['coder0', 'coder1']],
    [['coder[01]'], ['coder0', 'coder1']],
    [['coder[!0]'], ['coder1']],
    [['class:implementer'], ['coder0', 'coder1', 'coder10']],
    [['tag:web'], ['coder1', 'reviewer']],
    [['state:idle'], ['coder1', 'reviewer']],
    [['state:stopped'], ['ops']],
    [['runtime:codex'], ['reviewer']],
    [['all'], ['coder0', 'coder1', 'coder10', 'reviewer', 'ops']],
    [['reviewer', 'coder*', 'coder1'], ['reviewer', 'coder0', 'coder1', 'coder10']],
  ])('%j → %j', (sel, want) => {
    const r = resolveSelectors(sel, rows);
    expect(r.names).toEqual(want);
    expect(r.unknown).toEqual([]);
  });

  it('@marked picks the marked rows, in roster order', () => {
    expect(resolveSelectors(['@marked'], rows, ['reviewer', 'coder0', 'nobody']).names).toEqual(['coder0', 'reviewer']);
    const none = resolveSelectors(['@marked'], rows, []);
    expect(none.unknown).toEqual(['@marked']);
    expect(none.problems[0]!.message).toMatch(/no agents are marked/);
  });

  it('never targets a stray session, even by its exact name or through all', () => {
    const r = resolveSelectors(['ghost'], rows);
    expect(r.names).toEqual([]);
    expect(r.problems[0]!.message).toMatch(/stray/);
    expect(resolveSelectors(['all', 'g*'], rows).names).not.toContain('ghost');
  });

  it('reports an unknown name with a hint, and keeps the rest', () => {
    const r = resolveSelectors(['coder1', 'codr0'], rows);
    expect(r.names).toEqual(['coder1']);
    expect(r.unknown).toEqual(['codr0']);
    expect(r.problems[0]!.message).toMatch(/no agent named "codr0".*did you mean coder0/);
  });

  it('reports selectors that match nothing and malformed ones', () => {
    const r = resolveSelectors(['state:idel', 'runtime:cobol', 'klass:x', 'class:', '@all', 'zz*', 'tag:none', ''], rows);
    expect(r.names).toEqual([]);
    expect(r.unknown).toHaveLength(8);
    const msgs = r.problems.map((p) => p.message).join('\n');
    expect(msgs).toMatch(/unknown state "idel" \(did you mean idle\?\)/);
    expect(msgs).toMatch(/unknown runtime "cobol"/);
    expect(msgs).toMatch(/unknown selector kind "klass:"/);
    expect(msgs).toMatch(/class: needs a value/);
    expect(msgs).toMatch(/only named set is @marked/);
    expect(msgs).toMatch(/glob zz\*/);
    expect(msgs).toMatch(/no agent matches tag:none/);
    expect(msgs).toMatch(/empty selector/);
  });

  it('an empty roster: all matches nothing and says so', () => {
    const r = resolveSelectors(['all'], []);
    expect(r.names).toEqual([]);
    expect(r.problems[0]!.message).toMatch(/names no agents/);
  });
});

describe('globToRegExp', () => {
  it('escapes regex characters and anchors the match', () => {
    expect(globToRegExp('a.b*').test('a.bc')).toBe(true);
    expect(globToRegExp('a.b*').test('axbc')).toBe(false);
    expect(globToRegExp('a').test('ba')).toBe(false);
    expect(globToRegExp('[').test('[')).toBe(true);
  });
});
