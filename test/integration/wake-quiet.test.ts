import { describe, expect, it } from 'vitest';
import { makeTestFleet } from '../helpers/fleet-env.js';
import { STANDIN, waitFor } from '../helpers/tmux.js';

// Real Claude and Codex write no transcript until the first turn. A wake that sends nothing
// (no kickstart, no task) must still be able to say READY — from the settled composer — and
// must not leave the agent `booting` until the deadline.
describe('fleet wake of an agent that writes no transcript until its first turn', () => {
  it('is READY once its composer is up, and ls shows it idle, not booting', async () => {
    const f = makeTestFleet();
    f.writeRoster(
      `version: 1\ndefaults: { bootDeadlineSecs: 30, busyWindowSecs: 2 }\nagents:\n  - name: q1\n    runtime: claude\n    cwd: ${f.cwd('q1')}\n    command: node ${STANDIN} --quiet-start\n`,
    );
    const r = await f.fleet(['wake', 'q1', '--json']);
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ name: 'q1', outcome: 'ready', mode: 'fresh' });
    const state = async (): Promise<string | undefined> => {
      const ls = await f.fleet(['ls', '--json']);
      return (JSON.parse(ls.stdout) as { name: string; state: string }[]).find((x) => x.name === 'q1')?.state;
    };
    // Its own drawing counts as output for the busy window; booting it must not be.
    expect(['idle', 'busy']).toContain(await state());
    await waitFor(async () => (await state()) === 'idle', { timeoutMs: 20_000, what: 'q1 idle' });
  });
});
