import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { deliverToLive, draftIsOurs } from '../../src/delivery/deliver.js';
import type { RuntimeAdapter } from '../../src/domain/runtime.js';
import type { AgentSpec } from '../../src/domain/types.js';
import { TmuxClient } from '../../src/tmux/client.js';
import type { RunOptions, RunResult, TmuxRunner } from '../../src/tmux/runner.js';
import { tempDir } from '../helpers/tmux.js';
import { FIELD_SEP as SEP } from '../../src/tmux/parse.js';

/** A pane simulated in memory: a composer, bracketed paste, Enter submits into a JSONL transcript. */
class FakePane implements TmuxRunner {
  spawned = 0;
  calls: string[][] = [];
  buffers = new Map<string, string>();
  composer = '';
  question = false;
  live = true;
  /** Enter presses to swallow (the "eaten Enter"). */
  eatEnters = 0;
  /** Submit without recording (a runtime that writes the transcript late). */
  record = true;
  failOn: string | null = null;
  /** The agent's process exited (pane_dead, remain-on-exit). */
  dead = false;
  constructor(readonly transcript: string) {}
  /** Like tmux: a chain `a ; b` runs its commands in order and stops at the first error. */
  async run(all: readonly string[], opts: RunOptions = {}): Promise<RunResult> {
    this.spawned++;
    const chain: string[][] = [[]];
    for (const a of all) {
      if (a === ';') chain.push([]);
      else chain.at(-1)!.push(a);
    }
    let out = '';
    for (const args of chain) {
      const r = await this.one(args, opts);
      if (r.exitCode !== 0) return r;
      out += r.stdout;
    }
    return { stdout: out, stderr: '', exitCode: 0, timedOut: false };
  }
  private async one(args: readonly string[], opts: RunOptions): Promise<RunResult> {
    this.calls.push([...args]);
    const ok = (stdout = ''): RunResult => ({ stdout, stderr: '', exitCode: 0, timedOut: false });
    const bad = (stderr: string): RunResult => ({ stdout: '', stderr, exitCode: 1, timedOut: false });
    const cmd = args[0]!;
    if (this.failOn === cmd) return bad('no server running on /tmp/tmux-1/x');
    if (!this.live && cmd !== 'load-buffer') return bad("can't find session: a");
    const arg = (flag: string): string => args[args.indexOf(flag) + 1] ?? '';
    switch (cmd) {
      case 'capture-pane':
        return ok(`standin\n${this.question ? 'Do you want to proceed?\n' : ''}│ > ${this.composer.replace(/\n/g, '⏎')} │\n`);
      case 'list-panes':
        return ok(this.live ? `a${SEP}$1${SEP}0${SEP}0${SEP}%1${SEP}123${SEP}${this.dead ? 1 : 0}${SEP}${this.dead ? 7 : ''}${SEP}1700000000${SEP}1700000000${SEP}0\n` : '');
      case 'load-buffer':
        this.buffers.set(arg('-b'), String(opts.input ?? ''));
        return ok();
      case 'paste-buffer': {
        const b = arg('-b');
        this.composer += this.buffers.get(b) ?? '';
        if (args.includes('-d')) this.buffers.delete(b);
        return ok();
      }
      case 'send-keys':
        if (args.includes('Enter')) {
          if (this.eatEnters > 0) {
            this.eatEnters--;
            return ok();
          }
          if (this.record) fs.appendFileSync(this.transcript, JSON.stringify({ type: 'user', message: { role: 'user', content: this.composer } }) + '\n');
          this.composer = '';
        }
        return ok();
      default:
        return ok();
    }
  }
  pastes(): number {
    return this.calls.filter((c) => c[0] === 'paste-buffer').length;
  }
  enters(): number {
    return this.calls.filter((c) => c[0] === 'send-keys' && c.includes('Enter')).length;
  }
}

function fakeAdapter(transcript: string): RuntimeAdapter {
  return {
    name: 'claude',
    launchCommand: () => 'x',
    transcriptDirs: () => [path.dirname(transcript)],
    scan: async () => ({ lastActivityMs: null, sessionFile: fs.existsSync(transcript) ? transcript : null, resumeRef: null, turnOpen: undefined, problem: undefined }),
    resetCommand: () => '/clear',
    interruptKey: 'Escape',
    isWaiting: (s) => s.includes('Do you want to proceed?'),
    composerDraft: (s) => {
      const m = /│ > (.*?)\s*│/.exec(s);
      return m && m[1]!.trim() ? m[1]! : null;
    },
    hasUserTurn: async (file, text, from) => {
      const tail = fs.readFileSync(file).subarray(from).toString('utf8');
      return tail.split('\n').some((l) => {
        try {
          const r = JSON.parse(l) as { type?: string; message?: { content?: unknown } };
          return r.type === 'user' && r.message?.content === text;
        } catch {
          return false;
        }
      });
    },
  };
}

const spec = (runtime: AgentSpec['runtime'] = 'claude'): AgentSpec => ({
  name: 'a', runtime, cwd: '/tmp', class: undefined, tags: [], command: undefined, reset: undefined,
  kickstart: undefined, env: {}, managed: 'fleet', transcripts: undefined, idleSecs: undefined,
});

function setup() {
  const dir = tempDir();
  const transcript = path.join(dir, 's.jsonl');
  fs.writeFileSync(transcript, JSON.stringify({ type: 'system' }) + '\n');
  const pane = new FakePane(transcript);
  const tmux = new TmuxClient('fleet-test-fake', pane);
  const adapter = fakeAdapter(transcript);
  const fast = { adapter, rescueAfterMs: 60, composerGraceMs: 60, pollMs: 5, settleMs: 0, verifyTimeoutMs: 600 };
  return { pane, tmux, adapter, fast, transcript };
}

describe('deliverToLive', () => {
  it('pastes through a unique buffer with -p -r -d into =name:, then a separate Enter, and proves it by the transcript', async () => {
    const { pane, tmux, fast } = setup();
    const r = await deliverToLive(tmux, spec(), 'hello\nworld', fast);
    expect(r).toMatchObject({ state: 'delivered', evidence: 'transcript', attempts: 1, enters: 1 });
    const names = pane.calls.map((c) => c[0]);
    expect(names.indexOf('capture-pane')).toBeLessThan(names.indexOf('load-buffer'));
    const load = pane.calls.find((c) => c[0] === 'load-buffer')!;
    expect(load).toEqual(['load-buffer', '-b', expect.stringMatching(/^fleet-\d+-[0-9a-f]{12}$/), '-']);
    const paste = pane.calls.find((c) => c[0] === 'paste-buffer')!;
    expect(paste).toEqual(['paste-buffer', '-p', '-r', '-d', '-b', load[2], '-t', '=a:']);
    expect(pane.calls.find((c) => c[0] === 'send-keys')).toEqual(['send-keys', '-t', '=a:', 'Enter']);
    expect(pane.buffers.size).toBe(0);
    // capture; load+paste in one client; capture (our text in the composer); Enter — the proof comes from the transcript
    expect(pane.spawned).toBe(4);
  });

  it('defers, without pasting, when the composer holds someone else\'s draft', async () => {
    const { pane, tmux, fast } = setup();
    pane.composer = 'half-typed thought';
    const r = await deliverToLive(tmux, spec(), 'task', fast);
    expect(r.state).toBe('deferred');
    expect(r.reason).toMatch(/draft/);
    expect(pane.pastes()).toBe(0);
    expect(pane.composer).toBe('half-typed thought');
  });

  it('defers when the agent is asking the operator a question (a paste would answer it)', async () => {
    const { pane, tmux, fast } = setup();
    pane.question = true;
    const r = await deliverToLive(tmux, spec(), 'task', fast);
    expect(r).toMatchObject({ state: 'deferred', attempts: 0 });
    expect(pane.pastes()).toBe(0);
  });

  it('sends exactly one rescue Enter when the first Enter was eaten', async () => {
    const { pane, tmux, fast } = setup();
    pane.eatEnters = 1;
    const r = await deliverToLive(tmux, spec(), 'do it', fast);
    expect(r).toMatchObject({ state: 'delivered', enters: 2, evidence: 'transcript' });
    expect(pane.enters()).toBe(2);
  });

  it('never sends a second rescue Enter: the text stuck in the composer ends unconfirmed', async () => {
    const { pane, tmux, fast } = setup();
    pane.eatEnters = 99;
    const r = await deliverToLive(tmux, spec(), 'do it', fast);
    expect(r.state).toBe('unconfirmed');
    expect(r.reason).toMatch(/still in the composer/);
    expect(pane.enters()).toBe(2);
    expect(pane.pastes()).toBe(1);
  });

  it('accepts a composer that let go of the text when the transcript stays silent', async () => {
    const { pane, tmux, fast } = setup();
    pane.record = false;
    const r = await deliverToLive(tmux, spec(), 'queued task', fast);
    expect(r).toMatchObject({ state: 'delivered', evidence: 'composer' });
  });

  it('a composer that never showed the text proves nothing: an agent that ignores input ends unconfirmed, pasted once', async () => {
    const { pane, tmux, fast } = setup();
    pane.record = false;
    // A mute agent: no composer on screen at all, and nothing recorded.
    pane.run = ((orig) => async (args: readonly string[], o?: RunOptions) => {
      if (args[0] === 'capture-pane') {
        pane.calls.push([...args]);
        return { stdout: '\n', stderr: '', exitCode: 0, timedOut: false };
      }
      return orig(args, o);
    })(pane.run.bind(pane));
    const r = await deliverToLive(tmux, spec(), 'are you there?', fast);
    expect(r.state).toBe('unconfirmed');
    expect(r.reason).toMatch(/never showed the text/);
    expect(pane.pastes()).toBe(1);
  });

  it('an agent that exited after the paste is a failure with its status, found at the first look', async () => {
    const { pane, tmux, fast } = setup();
    pane.record = false;
    pane.eatEnters = 99;
    pane.composer = '';
    const origRun = pane.run.bind(pane);
    pane.run = async (args: readonly string[], o?: RunOptions) => {
      if (args.includes('paste-buffer')) {
        pane.dead = true;
        pane.calls.push(['paste-buffer']);
        return { stdout: '', stderr: '', exitCode: 0, timedOut: false };
      }
      return origRun(args, o);
    };
    const r = await deliverToLive(tmux, spec(), 'a long task', fast);
    expect(r).toMatchObject({ state: 'failed', attempts: 1 });
    expect(r.reason).toMatch(/the agent exited with status 7 after the paste/);
  });

  it('fails with the reason when the session is gone', async () => {
    const { pane, tmux, fast } = setup();
    pane.live = false;
    const r = await deliverToLive(tmux, spec(), 'x', fast);
    expect(r.state).toBe('failed');
    expect(r.reason).toMatch(/no live session.*can't find session/);
  });

  it('fails with the reason when the server dies between capture and paste', async () => {
    const { pane, tmux, fast } = setup();
    pane.failOn = 'load-buffer';
    const r = await deliverToLive(tmux, spec(), 'x', fast);
    expect(r).toMatchObject({ state: 'failed', attempts: 1 });
    expect(r.reason).toMatch(/paste: no server/);
  });

  it('a runtime without transcripts can only reach unconfirmed', async () => {
    const { pane, tmux, fast } = setup();
    const r = await deliverToLive(tmux, spec('shell'), 'ls', { ...fast, adapter: null });
    expect(r.state).toBe('unconfirmed');
    expect(pane.pastes()).toBe(1);
  });

  it('refuses text holding a bracketed-paste end marker, running no tmux at all', async () => {
    const { pane, tmux, fast } = setup();
    const r = await deliverToLive(tmux, spec(), 'a\u001b[201~b', fast);
    expect(r.state).toBe('failed');
    expect(r.reason).toMatch(/bracketed-paste marker/);
    expect(pane.calls).toEqual([]);
  });

  it('calls beforePaste with the transcript baseline before the paste', async () => {
    const { pane, tmux, fast, transcript } = setup();
    const size = fs.statSync(transcript).size;
    let callsAtMark = -1;
    const r = await deliverToLive(tmux, spec(), 't', {
      ...fast,
      beforePaste: (m) => {
        expect(m).toMatchObject({ sessionFile: transcript, offset: size });
        callsAtMark = pane.pastes();
      },
    });
    expect(r.state).toBe('delivered');
    expect(callsAtMark).toBe(0);
  });

  describe('resuming an interrupted delivery', () => {
    it('does not paste again when the transcript already records it', async () => {
      const { pane, tmux, fast, transcript } = setup();
      const mark = { sessionFile: transcript, offset: fs.statSync(transcript).size, at: Date.now() };
      fs.appendFileSync(transcript, JSON.stringify({ type: 'user', message: { content: 'again?' } }) + '\n');
      const r = await deliverToLive(tmux, spec(), 'again?', { ...fast, resume: mark });
      expect(r).toMatchObject({ state: 'delivered', attempts: 0 });
      expect(pane.pastes()).toBe(0);
      expect(pane.enters()).toBe(0);
    });

    it('submits text left in the composer with Enter only', async () => {
      const { pane, tmux, fast, transcript } = setup();
      const mark = { sessionFile: transcript, offset: fs.statSync(transcript).size, at: Date.now() };
      pane.composer = 'line one\nline two';
      const r = await deliverToLive(tmux, spec(), 'line one\nline two', { ...fast, resume: mark });
      expect(r).toMatchObject({ state: 'delivered', attempts: 0, evidence: 'transcript' });
      expect(pane.pastes()).toBe(0);
      expect(fs.readFileSync(transcript, 'utf8').split('line one').length - 1).toBe(1);
    });

    it('pastes once when the interrupted attempt never reached the pane', async () => {
      const { pane, tmux, fast, transcript } = setup();
      const mark = { sessionFile: transcript, offset: fs.statSync(transcript).size, at: Date.now() };
      const r = await deliverToLive(tmux, spec(), 'fresh', { ...fast, resume: mark });
      expect(r).toMatchObject({ state: 'delivered', attempts: 1 });
      expect(pane.pastes()).toBe(1);
    });

    it('never resends blindly to a runtime it cannot check', async () => {
      const { pane, tmux, fast } = setup();
      const r = await deliverToLive(tmux, spec('shell'), 'ls', { ...fast, adapter: null, resume: { sessionFile: null, offset: 0, at: 0 } });
      expect(r.state).toBe('unconfirmed');
      expect(pane.pastes()).toBe(0);
    });
  });
});

describe('draftIsOurs', () => {
  it('matches a visible window of our text, whatever the composer does to newlines and controls', () => {
    expect(draftIsOurs('…two⏎three', 'one\ntwo\nthree')).toBe(true);
    expect(draftIsOurs('a·b', 'a\tb')).toBe(true);
    expect(draftIsOurs('something else', 'one two')).toBe(false);
    expect(draftIsOurs('   ', 'x')).toBe(false);
    expect(draftIsOurs(null, 'x')).toBe(false);
  });
});
