import { describe, expect, it } from 'vitest';
import { AGENT_NAME_RE, NameError, agentNameProblem, assertAgentName, assertSocketName, paneTarget, sessionTarget, socketNameProblem } from '../../src/domain/names.js';

describe('agent names', () => {
  it.each(['a', 'coder0', 'code-review-2', 'a'.repeat(32)])('accepts %s', (n) => {
    expect(agentNameProblem(n)).toBeNull();
    expect(() => assertAgentName(n)).not.toThrow();
  });

  it.each([
    ['', /empty/],
    ['a'.repeat(33), /33 characters/],
    ['co.der', /"\." or ":"/],
    ['co:der', /"\." or ":"/],
    ['x#(touch /tmp/p)', /#/],
    ['x#{session_name}', /#/],
    ['my coder', /white space/],
    ['Coder', /upper-case/],
    ['0coder', /start with a lower-case letter/],
    ['-coder', /start with a lower-case letter/],
    ['_holder', /start with a lower-case letter/],
    ['co_der', /lower-case letters, digits and "-"/],
    ['cöder', /lower-case letters, digits and "-"/],
    ['coder\n', /white space/],
  ])('rejects %j', (n, re) => {
    expect(agentNameProblem(n)).toMatch(re);
    expect(() => assertAgentName(n)).toThrow(NameError);
    expect(AGENT_NAME_RE.test(n)).toBe(false);
  });
});

describe('socket names', () => {
  it.each(['fleet', 'fleet-test-1-2', 'my_fleet.v2', 'F1'])('accepts %s', (s) => {
    expect(socketNameProblem(s)).toBeNull();
    expect(() => assertSocketName(s)).not.toThrow();
  });

  it.each([
    ['default', /operator's own tmux server/],
    ['../x', /path separator/],
    ['/tmp/x', /path separator/],
    ['a\\b', /path separator/],
    ['..', /"\.\."/],
    ['a..b', /"\.\."/],
    ['', /must match/],
    ['.hidden', /must match/],
    ['x y', /must match/],
    ['a'.repeat(65), /must match/],
  ])('rejects %j', (s, re) => {
    expect(socketNameProblem(s)).toMatch(re);
    expect(() => assertSocketName(s)).toThrow(NameError);
  });
});

describe('exact tmux targets', () => {
  it('session commands use =name, pane commands =name:', () => {
    expect(sessionTarget('coder')).toBe('=coder');
    expect(paneTarget('coder')).toBe('=coder:');
  });
});
