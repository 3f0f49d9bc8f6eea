import { describe, expect, it } from 'vitest';
import { ConfigError, OperationError, didYouMean, exitCodeOf, formatProblem } from '../../src/domain/errors.js';

describe('errors and exit codes', () => {
  it('ConfigError exits 2 and lists one line per problem', () => {
    const e = new ConfigError('invalid roster /f.yaml:', [
      { file: '/f.yaml', line: 2, col: 3, field: 'agents[0].name', message: 'bad', hint: 'fix' },
      { file: '/f.yaml', message: 'no position' },
    ]);
    expect(exitCodeOf(e)).toBe(2);
    expect(e.message.split('\n')).toEqual(['invalid roster /f.yaml:', '  /f.yaml:2:3: agents[0].name: bad — fix', '  /f.yaml: no position']);
  });

  it('OperationError exits 1; anything else exits 1', () => {
    expect(exitCodeOf(new OperationError('x'))).toBe(1);
    expect(exitCodeOf(new Error('x'))).toBe(1);
    expect(exitCodeOf('a string')).toBe(1);
    expect(exitCodeOf({ exitCode: 'nope' })).toBe(1);
  });

  it('formatProblem leaves out what it does not know', () => {
    expect(formatProblem({ file: 'f', line: 4, message: 'm' })).toBe('f:4: m');
    expect(formatProblem({ file: 'f', field: 'x', message: 'm' })).toBe('f: x: m');
  });

  it('didYouMean suggests close keys only', () => {
    const keys = ['name', 'runtime', 'cwd', 'class', 'tags', 'kickstart'];
    expect(didYouMean('runtmie', keys)).toBe('runtime');
    expect(didYouMean('Name', keys)).toBe('name');
    expect(didYouMean('tag', keys)).toBe('tags');
    expect(didYouMean('kickstrat', keys)).toBe('kickstart');
    expect(didYouMean('zzzzzzzz', keys)).toBeUndefined();
    expect(didYouMean('x', [])).toBeUndefined();
  });
});
