import fs from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { NameError } from '../../src/domain/names.js';
import { TmuxClient, TmuxError } from '../../src/tmux/client.js';
import { MAX_TMUX_OUTPUT_BYTES, ProcessTmuxRunner, TmuxUnavailableError, tmuxClientEnv, type RunOptions, type RunResult, type TmuxRunner } from '../../src/tmux/runner.js';
import { killTestServer, tempDir, testSocket, tmux, waitFor } from '../helpers/tmux.js';

const sockets: string[] = [];
function newSocket(): string {
  const s = testSocket();
  sockets.push(s);
  return s;
}
afterEach(() => {
  while (sockets.length) killTestServer(sockets.pop()!);
});

/** A client on a fresh private socket with a live holder and the given sessions running `cat` (echoes typed text). */
async function serverWith(...names: string[]): Promise<{ c: TmuxClient; socket: string }> {
  const socket = newSocket();
  const c = new TmuxClient(socket);
  await c.ensureHolder();
  for (const n of names) await c.newSession({ name: n, cwd: tempDir(), command: 'cat' });
  return { c, socket };
}
const sessions = (socket: string): string[] => tmux(socket, 'list-sessions', '-F', '#{session_name}').trim().split('\n').sort();

describe('TmuxClient against a real private tmux server', () => {
  it('no server is an observation ("down"), not an exception', async () => {
    const c = new TmuxClient(newSocket());
    const obs = await c.observe(123);
    expect(obs).toEqual({ server: 'down', at: 123, reason: 'no server' });
    expect(await c.hasSession('coder')).toBe(false);
    expect(await c.killSession('coder')).toBe(false);
  });

  it('observes the whole server in ONE list-panes call', async () => {
    const { c } = await serverWith('a1', 'a2', 'a3');
    const before = c.runner.spawned;
    const obs = await c.observe();
    expect(c.runner.spawned - before).toBe(1);
    if (obs.server !== 'up') throw new Error('server should be up');
    expect([...obs.panes.keys()].sort()).toEqual(['_holder', 'a1', 'a2', 'a3']);
    expect(obs.panes.get('a1')).toMatchObject({ dead: false });
    expect(obs.bad).toEqual([]);
  });

  it('newSession returns its ids; a command that exits at once leaves a dead pane with its status', async () => {
    const { c } = await serverWith();
    const ids = await c.newSession({ name: 'quick', cwd: tempDir(), command: 'exit 7' });
    expect(ids.sessionId).toMatch(/^\$\d+$/);
    expect(ids.paneId).toMatch(/^%\d+$/);
    const pane = await waitFor(async () => {
      const o = await c.observe();
      const p = o.server === 'up' ? o.panes.get('quick') : undefined;
      return p?.dead ? p : undefined;
    }, { what: 'dead pane' });
    expect(pane).toMatchObject({ sessionId: ids.sessionId, paneId: ids.paneId, dead: true });
    // tmux 3.3a records pane_dead_status only some of the time for a shell command (a moment after the
    // pane is marked dead, or not at all): when it is there it must be the command's own status.
    const status = await waitFor(async () => {
      const o = await c.observe();
      return o.server === 'up' ? { s: o.panes.get('quick')?.deadStatus ?? null } : undefined;
    }, { what: 'a second observation' });
    if (status.s !== null) expect(status.s).toBe(7);
  });

  it('newSession passes env and cwd; a duplicate name is an error', async () => {
    const { c } = await serverWith();
    const cwd = tempDir();
    await c.newSession({ name: 'envy', cwd, command: 'echo "X=$FLEET_X PWD=$(pwd)"; cat', env: { FLEET_X: 'hello world' } });
    await waitFor(async () => (await c.capturePane('envy')).includes(`X=hello world PWD=${cwd}`), { what: 'env echo' });
    await expect(c.newSession({ name: 'envy', cwd, command: 'cat' })).rejects.toThrow(TmuxError);
  });

  it('ensureHolder is idempotent and keeps the server alive after the last agent goes', async () => {
    const { c, socket } = await serverWith('solo');
    await c.ensureHolder();
    expect(await c.killSession('solo')).toBe(true);
    expect(sessions(socket)).toEqual(['_holder']);
  });

  describe('exact targets: an action on `coder` never touches `coder0`', () => {
    it('when `coder` does not exist, every action fails and coder0 is untouched', async () => {
      const { c, socket } = await serverWith('coder0');
      await waitFor(async () => (await c.observe()).server === 'up');
      expect(await c.hasSession('coder')).toBe(false);
      expect(await c.killSession('coder')).toBe(false);
      await expect(c.capturePane('coder')).rejects.toThrow(TmuxError);
      await expect(c.sendKeys('coder', 'Enter')).rejects.toThrow(TmuxError);
      await expect(c.sendLiteral('coder', 'LITERAL-X')).rejects.toThrow(TmuxError);
      await expect(c.paste('coder', 'PASTED-X')).rejects.toThrow(TmuxError);
      expect(sessions(socket)).toEqual(['_holder', 'coder0']);
      const screen = await c.capturePane('coder0');
      expect(screen).not.toContain('LITERAL-X');
      expect(screen).not.toContain('PASTED-X');
      // no paste buffer was left behind by the failed paste
      expect(tmux(socket, 'list-buffers').trim()).toBe('');
    });

    it('when both exist, actions on `coder` land on coder only', async () => {
      const { c, socket } = await serverWith('coder0', 'coder');
      await c.sendLiteral('coder', 'typed-into-coder');
      await c.paste('coder', 'pasted-into-coder');
      await waitFor(async () => {
        const s = await c.capturePane('coder');
        return s.includes('typed-into-coder') && s.includes('pasted-into-coder');
      }, { what: 'text in coder' });
      const other = await c.capturePane('coder0');
      expect(other).not.toContain('into-coder');
      expect(await c.killSession('coder')).toBe(true);
      expect(sessions(socket)).toEqual(['_holder', 'coder0']);
    });
  });

  describe('a name holding #( is rejected before it reaches tmux', () => {
    const evil = (marker: string): string => `x#(touch ${marker})`;

    it('every method throws NameError and tmux never runs', async () => {
      const { c, socket } = await serverWith('coder0');
      const marker = path.join(tempDir(), 'pwned');
      const name = evil(marker);
      const before = c.runner.spawned;
      await expect(c.newSession({ name, cwd: tempDir(), command: 'cat' })).rejects.toThrow(NameError);
      await expect(c.hasSession(name)).rejects.toThrow(NameError);
      await expect(c.killSession(name)).rejects.toThrow(NameError);
      await expect(c.capturePane(name)).rejects.toThrow(NameError);
      await expect(c.sendKeys(name, 'Enter')).rejects.toThrow(NameError);
      await expect(c.sendLiteral(name, 'x')).rejects.toThrow(NameError);
      await expect(c.paste(name, 'x')).rejects.toThrow(NameError);
      await expect(c.attachArgs(name, false)).rejects.toThrow(NameError);
      expect(c.runner.spawned).toBe(before);
      // give a (wrongly) started tmux job every chance to run, then check it did not
      tmux(socket, 'list-sessions');
      expect(fs.existsSync(marker)).toBe(false);
      expect(sessions(socket)).toEqual(['_holder', 'coder0']);
    });

    it('tmux itself would have mangled such a name (why fleet refuses it)', () => {
      const socket = newSocket();
      tmux(socket, 'new-session', '-d', '-s', 'x#{=1:host}', 'sleep 60');
      expect(sessions(socket)).not.toContain('x#{=1:host}');
    });
  });

  it('a socket that could escape tmux\'s socket dir, or "default", is refused at construction', () => {
    for (const s of ['../x', 'a/b', 'default', '', '..']) expect(() => new TmuxClient(s)).toThrow(NameError);
  });

  it('TMUX pointing at another server is ignored: every call goes to -L <socket>', async () => {
    const other = newSocket();
    tmux(other, 'new-session', '-d', '-s', 'elsewhere', 'sleep 600');
    const otherPath = tmux(other, 'display-message', '-p', '#{socket_path}').trim();
    const { c } = await serverWith('mine');
    const saved = { TMUX: process.env.TMUX, TMUX_PANE: process.env.TMUX_PANE };
    process.env.TMUX = `${otherPath},1,0`;
    process.env.TMUX_PANE = '%0';
    try {
      const obs = await c.observe();
      if (obs.server !== 'up') throw new Error('server should be up');
      expect([...obs.panes.keys()].sort()).toEqual(['_holder', 'mine']);
      expect(await c.hasSession('elsewhere')).toBe(false);
      expect(await c.killSession('elsewhere')).toBe(false);
    } finally {
      for (const [k, v] of Object.entries(saved)) if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
    expect(sessions(other)).toEqual(['elsewhere']);
  });
});

describe('ProcessTmuxRunner', () => {
  /** A stand-in tmux binary that prints its argv and what it saw of TMUX. */
  function fakeTmux(body: string): string {
    const f = path.join(tempDir(), 'tmux');
    fs.writeFileSync(f, `#!/bin/sh\n${body}\n`, { mode: 0o755 });
    return f;
  }

  it('always runs `tmux -u -L <socket> …args` as an argument array, without TMUX/TMUX_PANE', async () => {
    const bin = fakeTmux('printf "%s\\n" "$@"; echo "TMUX=${TMUX-unset} PANE=${TMUX_PANE-unset}"');
    const r = new ProcessTmuxRunner('fleet-test-args', bin);
    const saved = process.env.TMUX;
    process.env.TMUX = '/tmp/tmux-0/default,1,0';
    try {
      const out = await r.run(['send-keys', '-t', '=a b:', '$(rm -rf /)', ';']);
      expect(out.stdout.split('\n').slice(0, 8)).toEqual(['-u', '-L', 'fleet-test-args', 'send-keys', '-t', '=a b:', '$(rm -rf /)', ';']);
      expect(out.stdout).toContain('TMUX=unset PANE=unset');
      expect(r.spawned).toBe(1);
    } finally {
      if (saved === undefined) delete process.env.TMUX;
      else process.env.TMUX = saved;
    }
  });

  it('passes stdin for load-buffer', async () => {
    const r = new ProcessTmuxRunner('fleet-test-stdin', fakeTmux('cat'));
    expect((await r.run(['load-buffer', '-'], { input: 'héllo\nworld' })).stdout).toBe('héllo\nworld');
  });

  it('a hung tmux is killed after the timeout and reported as timedOut', async () => {
    const r = new ProcessTmuxRunner('fleet-test-hang', fakeTmux('exec sleep 30'));
    const t0 = Date.now();
    const out = await r.run(['list-panes'], { timeoutMs: 300 });
    expect(out.timedOut).toBe(true);
    expect(Date.now() - t0).toBeLessThan(10_000);
    // the client turns it into an observation of a down server, and into a TmuxError for actions
    const c = new TmuxClient('fleet-test-hang', r);
    expect((await c.observe()).server).toBe('down');
  });

  it('a tmux that ignores SIGTERM after the timeout is killed', async () => {
    const r = new ProcessTmuxRunner('fleet-test-stubborn', fakeTmux("trap '' TERM; i=0; while [ $i -lt 300 ]; do sleep 0.1; i=$((i+1)); done"));
    const t0 = Date.now();
    const out = await r.run(['list-panes'], { timeoutMs: 200 });
    expect(out).toMatchObject({ timedOut: true, exitCode: 124 });
    expect(Date.now() - t0).toBeLessThan(8_000);
  });

  it('passes exit codes and stderr through, and survives a tmux that exits without reading its input', async () => {
    const r = new ProcessTmuxRunner('fleet-test-exit', fakeTmux('echo "no server running on x" >&2; exit 3'));
    const out = await r.run(['load-buffer', '-'], { input: 'x'.repeat(4 * 1024 * 1024) });
    expect(out).toEqual({ stdout: '', stderr: 'no server running on x\n', exitCode: 3, timedOut: false });
  });

  it('stops a tmux that prints without end, and says so', async () => {
    const r = new ProcessTmuxRunner('fleet-test-flood', fakeTmux('exec cat /dev/zero'));
    const out = await r.run(['capture-pane', '-p']);
    expect(out.timedOut).toBe(false);
    expect(out.exitCode).not.toBe(0);
    expect(out.stdout.length).toBeLessThanOrEqual(MAX_TMUX_OUTPUT_BYTES);
    expect(out.stderr).toMatch(/tmux printed more than \d+ bytes; the client was stopped/);
  });

  it('a tmux binary that cannot be executed is a TmuxUnavailableError naming the cause', async () => {
    const f = path.join(tempDir(), 'tmux');
    fs.writeFileSync(f, '#!/bin/sh\n', { mode: 0o644 });
    await expect(new ProcessTmuxRunner('fleet-test-eacces', f).run(['-V'])).rejects.toThrow(/cannot run tmux: .*EACCES/);
  });

  it('tmux missing from PATH is a clear TmuxUnavailableError; observe reports it as down', async () => {
    const r = new ProcessTmuxRunner('fleet-test-missing', '/nonexistent/tmux');
    await expect(r.run(['-V'])).rejects.toThrow(TmuxUnavailableError);
    await expect(r.run(['-V'])).rejects.toThrow(/tmux not found/);
    const obs = await new TmuxClient('fleet-test-missing', r).observe();
    expect(obs.server === 'down' && obs.reason).toMatch(/tmux not found/);
  });

  it('tmuxClientEnv drops TMUX and TMUX_PANE only', () => {
    expect(tmuxClientEnv({ TMUX: 'x', TMUX_PANE: '%1', HOME: '/h', PATH: '/bin' })).toEqual({ HOME: '/h', PATH: '/bin' });
  });
});

describe('TmuxClient with a fake runner', () => {
  class Recorder implements TmuxRunner {
    calls: string[][] = [];
    spawned = 0;
    constructor(private readonly reply: (args: readonly string[]) => Partial<RunResult>) {}
    async run(args: readonly string[], _o?: RunOptions): Promise<RunResult> {
      this.spawned++;
      this.calls.push([...args]);
      return { stdout: '', stderr: '', exitCode: 0, timedOut: false, ...this.reply(args) };
    }
  }

  it('uses =name for session commands and =name: for pane commands', async () => {
    const rec = new Recorder(() => ({}));
    const c = new TmuxClient('fleet-test-fake', rec);
    await c.hasSession('coder');
    await c.killSession('coder');
    await c.capturePane('coder', 50);
    await c.sendKeys('coder', 'C-c');
    await c.sendLiteral('coder', '/clear');
    await c.paste('coder', 'hi');
    const targets = rec.calls.map((a) => [a[0], a[a.indexOf('-t') + 1]]);
    expect(targets).toEqual([
      ['has-session', '=coder'],
      ['kill-session', '=coder'],
      ['capture-pane', '=coder:'],
      ['send-keys', '=coder:'],
      ['send-keys', '=coder:'],
      ['load-buffer', expect.anything()],
      ['paste-buffer', '=coder:'],
    ]);
    expect(rec.calls[2]).toEqual(['capture-pane', '-p', '-t', '=coder:', '-S', '-50']);
    expect(rec.calls[4]).toEqual(['send-keys', '-t', '=coder:', '-l', '--', '/clear']);
    const buf = rec.calls[5]![2]!;
    expect(rec.calls[6]).toEqual(['paste-buffer', '-p', '-r', '-d', '-b', buf, '-t', '=coder:']);
  });

  it('a timed-out action throws TmuxError naming the socket', async () => {
    const c = new TmuxClient('fleet-test-fake', new Recorder(() => ({ timedOut: true, exitCode: 124 })));
    await expect(c.capturePane('coder')).rejects.toThrow(/timed out on socket fleet-test-fake/);
  });

  it('a failed paste deletes its buffer', async () => {
    const rec = new Recorder((a) => (a[0] === 'paste-buffer' ? { exitCode: 1, stderr: "can't find pane" } : {}));
    const c = new TmuxClient('fleet-test-fake', rec);
    await expect(c.paste('coder', 'x')).rejects.toThrow(/can't find pane/);
    expect(rec.calls.map((a) => a[0])).toEqual(['load-buffer', 'paste-buffer', 'delete-buffer']);
  });
});
