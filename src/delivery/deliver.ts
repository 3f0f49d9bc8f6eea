/**
 * The one delivery primitive (DESIGN §7): text reaches a LIVE pane only through
 * load-buffer (stdin, unique buffer) + paste-buffer -p -r -d into `=name:`, then a separate Enter,
 * then verification, with at most one rescue Enter. It never wakes anything (callers do).
 */
import fs from 'node:fs';
import type { RuntimeAdapter } from '../domain/runtime.js';
import type { AgentSpec } from '../domain/types.js';
import { sanitize } from '../domain/sanitize.js';
import { adapterFor } from '../runtimes/index.js';
import { agentEnv } from '../runtimes/env.js';
import type { TmuxClient } from '../tmux/client.js';
import { textProblem } from './text-input.js';
import type { DeliveryResult, PasteMark } from './types.js';

export type { DeliveryResult, PasteMark } from './types.js';

export interface DeliverOptions {
  /** How long to wait for proof after Enter (default 8000 ms). */
  verifyTimeoutMs?: number;
  /** The runtime adapter; default adapterFor(spec.runtime). `null`: none (nothing can verify). */
  adapter?: RuntimeAdapter | null;
  /** The agent's effective environment (default: process env + the roster's env for it). */
  env?: Readonly<Record<string, string | undefined>>;
  /** Pause between the paste and the Enter (default 30 ms). */
  settleMs?: number;
  /** No proof this long after Enter: look at the composer, rescue-Enter if it still holds the text (default 1200 ms). */
  rescueAfterMs?: number;
  /** Composer cleared but no transcript record yet: wait this much longer for the record (default 1000 ms). */
  composerGraceMs?: number;
  pollMs?: number;
  /** Called after the baseline is taken and right before the text is pasted (the ledger writes `pasting`). */
  beforePaste?: (mark: PasteMark) => void | Promise<void>;
  /** A previous attempt was interrupted after this mark: check it landed before pasting anything. */
  resume?: PasteMark;
  /** Byte limit, re-checked here so no caller can paste undeliverable text. */
  maxTextBytes?: number;
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

const errText = (e: unknown): string => sanitize(e instanceof Error ? e.message : String(e), { singleLine: true, max: 300 });

/** Characters a composer rendering may add, drop or substitute: white space, controls, ⏎ · … */
function squash(s: string): string {
  return s.replace(/[\s\u0000-\u001f\u007f-\u009f⏎·…]/gu, '');
}

/**
 * Does the composer's visible draft look like our text? The composer shows a window of it (often the
 * tail), with newlines and controls rendered differently, so compare with white space and controls
 * squashed and accept any visible part.
 */
export function draftIsOurs(draft: string | null, text: string): boolean {
  if (draft === null) return false;
  const d = squash(draft);
  if (d.length === 0) return false;
  return squash(text).includes(d);
}

const hasDraft = (draft: string | null): boolean => draft !== null && squash(draft).length > 0;

function fileSize(file: string | null): number {
  if (!file) return 0;
  try {
    return fs.statSync(file).size;
  } catch {
    return 0;
  }
}

interface Ctx {
  tmux: TmuxClient;
  spec: AgentSpec;
  text: string;
  adapter: RuntimeAdapter | null;
  env: Readonly<Record<string, string | undefined>>;
  o: Required<Pick<DeliverOptions, 'verifyTimeoutMs' | 'settleMs' | 'rescueAfterMs' | 'composerGraceMs' | 'pollMs'>>;
}

/** Takes the transcript baseline: newest session file and its size. */
export async function takeMark(adapter: RuntimeAdapter | null, spec: AgentSpec, env: Readonly<Record<string, string | undefined>>): Promise<PasteMark> {
  let sessionFile: string | null = null;
  if (adapter) {
    try {
      sessionFile = (await adapter.scan(spec, env)).sessionFile;
    } catch {
      sessionFile = null;
    }
  }
  return { sessionFile, offset: fileSize(sessionFile), at: Date.now() };
}

/** The transcript records `text` as a user turn after the mark (in its file, or in a newer session file). */
async function transcriptHas(c: Ctx, mark: PasteMark, rescan: boolean): Promise<boolean> {
  const a = c.adapter;
  if (!a) return false;
  try {
    if (mark.sessionFile && (await a.hasUserTurn(mark.sessionFile, c.text, mark.offset))) return true;
    if (!rescan) return false;
    const now = (await a.scan(c.spec, c.env)).sessionFile;
    return now !== null && now !== mark.sessionFile && (await a.hasUserTurn(now, c.text, 0));
  } catch {
    return false;
  }
}

async function captureDraft(c: Ctx): Promise<{ draft: string | null; waiting: boolean }> {
  const screen = await c.tmux.capturePane(c.spec.name);
  if (!c.adapter) return { draft: null, waiting: false };
  return { draft: c.adapter.composerDraft(screen), waiting: c.adapter.isWaiting(screen) };
}

/**
 * After the Enter: poll the transcript; from rescueAfterMs on, look at the composer — our text still
 * there → one rescue Enter; composer clear → delivered (after a short grace for the transcript).
 */
async function verify(c: Ctx, mark: PasteMark, attempts: number, enters: number, sawOurs: boolean): Promise<DeliveryResult> {
  if (c.spec.runtime === 'shell' || !c.adapter) {
    return { state: 'unconfirmed', attempts, enters, reason: `runtime ${c.spec.runtime} keeps no transcript fleet can read: sent, not verified` };
  }
  const start = Date.now();
  let nextLook = start + c.o.rescueAfterMs;
  let clearedAt: number | null = null;
  let stuck = false;
  let polls = 0;
  for (;;) {
    if (await transcriptHas(c, mark, polls++ % 5 === 0)) return { state: 'delivered', attempts, enters, evidence: 'transcript' };
    const now = Date.now();
    if (clearedAt !== null && now - clearedAt >= c.o.composerGraceMs) {
      return { state: 'delivered', attempts, enters, evidence: 'composer', reason: 'the composer took the text; the transcript has not recorded it yet' };
    }
    if (now >= nextLook && clearedAt === null) {
      nextLook = now + c.o.rescueAfterMs;
      let draft: string | null;
      try {
        draft = (await captureDraft(c)).draft;
      } catch (e) {
        return { state: 'failed', attempts, enters, reason: `after paste: ${errText(e)}` };
      }
      if (draftIsOurs(draft, c.text)) {
        stuck = true;
        sawOurs = true;
        if (enters < 2) {
          try {
            await c.tmux.sendKeys(c.spec.name, 'Enter');
          } catch (e) {
            return { state: 'failed', attempts, enters, reason: `rescue Enter: ${errText(e)}` };
          }
          enters++;
        }
      } else if (sawOurs) {
        // The composer showed our text and let go of it: submitted (maybe queued by a busy agent).
        stuck = false;
        clearedAt = Date.now();
      } else {
        // Never seen in the composer: that proves nothing. An agent that exited is a failure, now.
        const exited = await paneExited(c);
        if (exited) return { state: 'failed', attempts, enters, reason: exited };
      }
    }
    if (now - start >= c.o.verifyTimeoutMs) break;
    await sleep(c.o.pollMs);
  }
  if (clearedAt !== null) {
    return { state: 'delivered', attempts, enters, evidence: 'composer', reason: 'the composer took the text; the transcript has not recorded it yet' };
  }
  const exited = await paneExited(c);
  if (exited) return { state: 'failed', attempts, enters, reason: exited };
  return {
    state: 'unconfirmed',
    attempts,
    enters,
    reason: stuck
      ? 'the text is still in the composer after a rescue Enter'
      : `no user turn in the transcript within ${c.o.verifyTimeoutMs} ms${sawOurs ? '' : ', and the composer never showed the text'}`,
  };
}

/** Why the agent is gone (its process exited, or the session vanished), or null while it runs. One list-panes. */
async function paneExited(c: Ctx): Promise<string | null> {
  const obs = await c.tmux.observe().catch(() => null);
  if (!obs) return null;
  if (obs.server === 'down') return `the tmux server is gone (${errText(obs.reason)})`;
  const pane = obs.panes.get(c.spec.name);
  if (!pane) return 'the session vanished after the paste';
  if (pane.dead) return `the agent exited${pane.deadStatus !== null ? ` with status ${pane.deadStatus}` : ''} after the paste`;
  return null;
}

/** Right after the paste: does the composer show our text? (A few quick looks while the agent redraws.) */
async function composerShowsOurs(c: Ctx): Promise<boolean> {
  if (!c.adapter || c.spec.runtime === 'shell') return false;
  for (let i = 0; i < 3; i++) {
    try {
      if (draftIsOurs((await captureDraft(c)).draft, c.text)) return true;
    } catch {
      return false;
    }
    await sleep(Math.max(c.o.settleMs, 20));
  }
  return false;
}

/**
 * Pastes `text` into the live session of `spec` and verifies it was submitted. Never pastes into a
 * composer holding someone's draft (→ deferred) or over a question the agent is asking (→ deferred).
 */
export async function deliverToLive(tmux: TmuxClient, spec: AgentSpec, text: string, opts: DeliverOptions = {}): Promise<DeliveryResult> {
  const problem = textProblem(text, opts.maxTextBytes);
  if (problem) return { state: 'failed', attempts: 0, reason: problem };
  const c: Ctx = {
    tmux,
    spec,
    text,
    adapter: opts.adapter === undefined ? (adapterFor(spec.runtime) ?? null) : opts.adapter,
    env: opts.env ?? agentEnv(spec),
    o: {
      verifyTimeoutMs: opts.verifyTimeoutMs ?? 8000,
      settleMs: opts.settleMs ?? 30,
      rescueAfterMs: opts.rescueAfterMs ?? 1200,
      composerGraceMs: opts.composerGraceMs ?? 1000,
      pollMs: opts.pollMs ?? 40,
    },
  };

  let seen: { draft: string | null; waiting: boolean };
  try {
    seen = await captureDraft(c);
  } catch (e) {
    return { state: 'failed', attempts: 0, reason: `no live session: ${errText(e)}` };
  }

  if (opts.resume) {
    const r = await checkInterrupted(c, opts.resume, seen.draft);
    if (r) return r;
    try {
      seen = await captureDraft(c);
    } catch (e) {
      return { state: 'failed', attempts: 0, reason: `no live session: ${errText(e)}` };
    }
  }

  if (hasDraft(seen.draft)) {
    const n = (seen.draft ?? '').length;
    return { state: 'deferred', attempts: 0, reason: `the composer holds a draft (${n} chars) that fleet did not type; not pasted` };
  }
  if (seen.waiting) return { state: 'deferred', attempts: 0, reason: 'the agent is asking the operator a question; not pasted' };

  const mark = await takeMark(c.adapter, spec, c.env);
  if (opts.beforePaste) await opts.beforePaste(mark);
  try {
    await tmux.pasteChained(spec.name, text);
  } catch (e) {
    return { state: 'failed', attempts: 1, reason: `paste: ${errText(e)}` };
  }
  // Seeing our text in the composer is what lets "the composer let go of it" count as proof later.
  const sawOurs = await composerShowsOurs(c);
  if (!sawOurs && c.o.settleMs > 0) await sleep(c.o.settleMs);
  try {
    await tmux.sendKeys(spec.name, 'Enter');
  } catch (e) {
    return { state: 'failed', attempts: 1, enters: 0, reason: `Enter: ${errText(e)}` };
  }
  return verify(c, mark, 1, 1, sawOurs);
}

/**
 * A previous attempt stopped after `mark` (the process died mid-paste). Returns a result when the text
 * already landed or is sitting in the composer (then it is submitted, not pasted again); null when it is
 * safe to paste it afresh. Never pastes twice blindly: a runtime without transcripts ends `unconfirmed`.
 */
async function checkInterrupted(c: Ctx, mark: PasteMark, draft: string | null): Promise<DeliveryResult | null> {
  if (await transcriptHas(c, mark, true)) return { state: 'delivered', attempts: 0, enters: 0, evidence: 'transcript', reason: 'found in the transcript after an interruption' };
  if (draftIsOurs(draft, c.text)) {
    try {
      await c.tmux.sendKeys(c.spec.name, 'Enter');
    } catch (e) {
      return { state: 'failed', attempts: 0, enters: 0, reason: `Enter: ${errText(e)}` };
    }
    return verify(c, mark, 0, 1, true);
  }
  if (!c.adapter || c.spec.runtime === 'shell') {
    return { state: 'unconfirmed', attempts: 0, reason: 'interrupted mid-paste; the runtime keeps no transcript to check, so it was not sent again' };
  }
  // The agent may still be writing the record: give it a moment before concluding the paste never happened.
  const until = Date.now() + Math.min(1500, c.o.verifyTimeoutMs);
  while (Date.now() < until) {
    await sleep(c.o.pollMs);
    if (await transcriptHas(c, mark, true)) return { state: 'delivered', attempts: 0, enters: 0, evidence: 'transcript', reason: 'found in the transcript after an interruption' };
  }
  return null;
}
