import { afterEach, describe, expect, it } from 'vitest';
import type { Command } from 'commander';
import { buildProgram, main, VERBS } from '../../src/cli/main.js';
import { runVerb, textTable, toJson, type Io } from '../../src/cli/common.js';
import { ConfigError, OperationError } from '../../src/domain/errors.js';

function capture(): { out: string[]; err: string[]; output: { writeOut(s: string): void; writeErr(s: string): void } } {
  const out: string[] = [];
  const err: string[] = [];
  return { out, err, output: { writeOut: (s) => void out.push(s), writeErr: (s) => void err.push(s) } };
}
const run = async (...args: string[]) => {
  const c = capture();
  const code = await main(['node', 'fleet', ...args], c.output);
  return { code, out: c.out.join(''), err: c.err.join('') };
};

afterEach(() => {
  process.exitCode = undefined;
});

describe('CLI usage errors exit 2', () => {
  it('unknown verb', async () => {
    const r = await run('bogus');
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/unknown command 'bogus'/);
    expect(r.out).toBe('');
  });

  it('unknown flag, missing option value, extra argument', async () => {
    expect((await run('ls', '--bogus')).err).toMatch(/unknown option '--bogus'/);
    expect((await run('ls', '--bogus')).code).toBe(2);
    expect((await run('ls', '--socket')).code).toBe(2);
    expect((await run('doctor', 'extra')).code).toBe(2);
  });

  it('with --json, a usage error is also JSON on stdout', async () => {
    const r = await run('ls', '--json', '--bogus');
    expect(r.code).toBe(2);
    expect(JSON.parse(r.out)).toEqual({ error: expect.stringMatching(/unknown option '--bogus'/), exitCode: 2 });
  });

  it('--help and --version exit 0', async () => {
    const h = await run('--help');
    expect(h.code).toBe(0);
    expect(h.out).toMatch(/Usage: fleet/);
    const v = await run('--version');
    expect(v.code).toBe(0);
    expect(v.out.trim()).toMatch(/^\d+\.\d+\.\d+$/);
  });
});

describe('every verb (DESIGN §8)', () => {
  const program = buildProgram();
  const byName = new Map(program.commands.map((c: Command) => [c.name(), c]));

  it('the full verb list is registered', () => {
    expect(VERBS.length).toBe(program.commands.length);
    expect([...byName.keys()].sort()).toEqual(['attach', 'broadcast', 'demo', 'doctor', 'init', 'ls', 'reset', 'runs', 'send', 'start', 'stop', 'supervise', 'top', 'wake'].sort());
  });

  it.each(['top', 'ls', 'wake', 'reset', 'attach', 'send', 'broadcast', 'runs', 'stop', 'start', 'supervise', 'init', 'doctor', 'demo'])('%s takes --socket, --roster and --state-dir', (verb) => {
    const c = byName.get(verb);
    expect(c, verb).toBeDefined();
    const flags = c!.options.map((o) => o.long);
    expect(flags).toEqual(expect.arrayContaining(['--socket', '--roster', '--state-dir']));
  });
});

describe('runVerb maps errors to exit codes; with --json errors are JSON', () => {
  const io = (): Io & { o: string[]; e: string[] } => {
    const o: string[] = [];
    const e: string[] = [];
    return { o, e, out: (s) => void o.push(s), err: (s) => void e.push(s) };
  };

  it('ConfigError → 2, OperationError → 1, other errors → 1, success → the body\'s code', async () => {
    const cases: [() => Promise<number | void>, number][] = [
      [async () => { throw new ConfigError('bad roster'); }, 2],
      [async () => { throw new OperationError('it failed'); }, 1],
      [async () => { throw new Error('boom'); }, 1],
      [async () => 0, 0],
      [async () => undefined, 0],
      [async () => 1, 1],
    ];
    for (const [body, want] of cases) {
      const x = io();
      await runVerb(false, body, x);
      expect(process.exitCode).toBe(want);
      if (want !== 0 && x.e.length) expect(x.e[0]).toMatch(/^fleet: /);
    }
  });

  it('--json prints {"error","exitCode"} on stdout as well as the message on stderr', async () => {
    const x = io();
    await runVerb(true, async () => {
      throw new ConfigError('invalid roster /f.yaml:', [{ file: '/f.yaml', line: 1, col: 1, message: 'the roster is empty' }]);
    }, x);
    expect(process.exitCode).toBe(2);
    const j = JSON.parse(x.o[0]!) as { error: string; exitCode: number };
    expect(j.exitCode).toBe(2);
    expect(j.error).toContain('/f.yaml:1:1: the roster is empty');
    expect(x.e[0]).toContain('fleet: invalid roster');
  });
});

describe('textTable', () => {
  it('aligns columns and trims trailing space', () => {
    expect(textTable(['A', 'BB'], [['xxx', 'y'], ['z', '']])).toBe('A    BB\nxxx  y\nz');
  });
});

describe('terminal safety of CLI output', () => {
  it('toJson is lossless JSON with C1, DEL, bidi and line separators escaped', () => {
    const v = { s: 'a\u009b2Jb\u007f\u202e\u2028\u001b]0;x\u0007' };
    const out = toJson(v, 0);
    expect(out).not.toMatch(/[\u0000-\u001f\u007f-\u009f\u202e\u2028]/);
    expect(JSON.parse(out)).toEqual(v);
  });

  it('error messages are sanitised, in text and in JSON', async () => {
    const o: string[] = [];
    const e: string[] = [];
    await runVerb(true, async () => {
      throw new ConfigError('bad key "x\u001b]52;c;cHduZWQ=\u0007" \u009b2J');
    }, { out: (s) => void o.push(s), err: (s) => void e.push(s) });
    for (const s of [...o, ...e]) expect(s).not.toMatch(/[\u0000-\u0009\u000b-\u001f\u007f-\u009f]/);
    expect(e[0]).toContain('bad key "x"');
  });

  it('a usage error echoing an escape sequence is sanitised', async () => {
    const r = await run('ls', '--json', '--x\u001b]0;t\u0007');
    expect(r.code).toBe(2);
    expect(r.err + r.out).not.toMatch(/[\u0000-\u0009\u000b-\u001f\u007f-\u009f]/);
  });
});
