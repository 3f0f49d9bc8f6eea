/**
 * Action id → store event or lifecycle/delivery call. The one place keys become effects.
 * Actions never throw into React: every failure becomes a toast.
 */
import { sanitize } from './domain/sanitize.js';
import { charChord, chordOf, resolve, TEXT_MODES, type ActionId, type KeyLike } from './keymap.js';
import { actionTargets } from './store/selectors.js';
import type { FleetStore } from './store/store.js';
import type { ConfirmKind, DeliveryState } from './store/types.js';

export interface OpResult {
  name: string;
  outcome: string;
  reason?: string | undefined;
}

export interface DeliveryResultLike {
  state: 'delivered' | 'unconfirmed' | 'deferred' | 'skipped' | 'failed';
  reason?: string | undefined;
}

/** What the cockpit can do to agents. root.tsx wires the real lifecycle and delivery; tests pass fakes. */
export interface AgentOps {
  wake(name: string): Promise<OpResult>;
  reset(name: string): Promise<OpResult>;
  stop(name: string): Promise<OpResult>;
  start(name: string): Promise<OpResult>;
  /** Hands the terminal to the agent's session (waking it first); resolves when the operator detaches. */
  attach(name: string): Promise<void>;
  broadcast(o: {
    names: string[];
    text: string;
    onResult: (name: string, r: DeliveryResultLike) => void;
  }): Promise<{ runId?: string | undefined } | void>;
  /** Resolves selectors (names, globs, class:, tag:, state:, runtime:, @marked, all) against the fleet. */
  resolveSelectors(selectors: string[], marked: readonly string[]): { names: string[]; unknown: string[] };
  quit(): void;
}

export interface Actions {
  /** One Ink input event. Stable: safe to hand to the one useInput. */
  onInput(input: string, key: KeyLike): void;
  onChord(chord: string, input?: string): void;
  run(id: ActionId): void;
  runCommand(line: string): void;
  /** Resolves when every action started so far has settled (tests, quit). */
  idle(): Promise<void>;
}

const FAILED = new Set(['failed', 'refused', 'error']);
const PARALLEL = 4;
const VERBS: Record<string, ConfirmKind> = { wake: 'wake', w: 'wake', reset: 'reset', r: 'reset', stop: 'stop', start: 'start', broadcast: 'broadcast', b: 'broadcast', bc: 'broadcast' };
const DANGEROUS: ReadonlySet<ConfirmKind> = new Set<ConfirmKind>(['reset', 'stop', 'broadcast']);

const errText = (e: unknown): string => sanitize(e instanceof Error ? e.message : String(e), { singleLine: true, max: 300 });

async function eachBounded<T>(items: readonly T[], limit: number, fn: (t: T) => Promise<void>): Promise<void> {
  let i = 0;
  const worker = async (): Promise<void> => {
    while (i < items.length) await fn(items[i++]!);
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
}

export function createActions(store: FleetStore, ops: AgentOps, clock: () => number = Date.now): Actions {
  const pending = new Set<Promise<unknown>>();
  let quitArmed = false;
  const track = (p: Promise<unknown>): void => {
    const q = p.catch((e: unknown) => toast('error', errText(e))).finally(() => pending.delete(q));
    pending.add(q);
  };
  const toast = (level: 'info' | 'error', text: string): void => store.dispatch({ type: 'toast', level, text, now: clock() });
  const S = () => store.getState();

  const runSet = (kind: Exclude<ConfirmKind, 'broadcast'>, names: readonly string[]): void => {
    if (names.length === 0) return toast('error', `${kind}: nothing selected`);
    track(
      (async () => {
        const results: OpResult[] = [];
        await eachBounded(names, PARALLEL, async (n) => {
          try {
            results.push(await ops[kind](n));
          } catch (e) {
            results.push({ name: n, outcome: 'failed', reason: errText(e) });
          }
        });
        const bad = results.filter((r) => FAILED.has(r.outcome));
        const ok = results.filter((r) => !FAILED.has(r.outcome));
        if (ok.length > 0) {
          toast('info', ok.length === 1 ? `${kind} ${ok[0]!.name}: ${ok[0]!.outcome}` : `${kind}: ${ok.length} done${bad.length ? `, ${bad.length} failed` : ''}`);
        }
        // errors last, so they are the newest toasts on screen
        for (const r of bad) toast('error', `${kind} ${r.name}: ${r.outcome}${r.reason ? ` — ${sanitize(r.reason, { singleLine: true, max: 200 })}` : ''}`);
      })(),
    );
  };

  /** A set action over names: dangerous ones ask first, with the exact list. */
  const request = (kind: Exclude<ConfirmKind, 'broadcast'>, names: readonly string[], unknown: readonly string[] = []): void => {
    if (S().readOnly && DANGEROUS.has(kind)) return toast('error', `${kind} is disabled in --read-only mode`);
    if (names.length === 0) return toast('error', `${kind}: no agent matches${unknown.length ? ` (${unknown.join(' ')})` : ''}`);
    if (DANGEROUS.has(kind)) store.dispatch({ type: 'confirm', request: { kind, targets: names, unknown } });
    else runSet(kind, names);
  };

  const sendBroadcast = (names: readonly string[], text: string): void => {
    const started = clock();
    store.dispatch(
      { type: 'deliveries-clear' },
      ...names.map((name) => ({ type: 'delivery' as const, name, mark: { state: 'pending' as DeliveryState } })),
      { type: 'run', run: { text, total: names.length, done: 0, startedAt: started, finished: false } },
      { type: 'prompt-clear' },
      { type: 'mode', mode: 'grid' },
    );
    const counts = new Map<string, number>();
    track(
      (async () => {
        let runId: string | undefined;
        try {
          const r = await ops.broadcast({
            names: [...names],
            text,
            onResult: (name, res) => {
              counts.set(res.state, (counts.get(res.state) ?? 0) + 1);
              const run = S().run;
              store.dispatch(
                { type: 'delivery', name, mark: { state: res.state, reason: res.reason } },
                ...(run ? [{ type: 'run' as const, run: { ...run, done: run.done + 1 } }] : []),
              );
            },
          });
          runId = r ? r.runId : undefined;
        } catch (e) {
          toast('error', `broadcast failed: ${errText(e)}`);
        }
        const run = S().run;
        if (run) store.dispatch({ type: 'run', run: { ...run, finished: true, runId } });
        const summary = [...counts].map(([k, v]) => `${v} ${k}`).join(', ') || 'no results';
        toast(counts.has('failed') ? 'error' : 'info', `broadcast${runId ? ` ${runId}` : ''}: ${summary}`);
      })(),
    );
  };

  const confirmYes = (): void => {
    const c = S().ui.confirm;
    store.dispatch({ type: 'back' });
    if (!c) return;
    if (c.kind === 'broadcast') sendBroadcast(c.targets, c.text ?? '');
    else runSet(c.kind, c.targets);
  };

  const promptSend = (): void => {
    const s = S();
    const text = s.ui.promptText;
    if (text.trim() === '') return toast('error', 'broadcast: type a task first');
    const selectors = s.ui.promptTargets.split(/\s+/).filter(Boolean);
    if (selectors.length === 0) return toast('error', 'broadcast: no targets (Tab edits the targets: names, class:x, tag:x, state:x, @marked, all)');
    const { names, unknown } = ops.resolveSelectors(selectors, [...s.ui.marks]);
    if (names.length === 0) return toast('error', `broadcast: no agent matches ${selectors.join(' ')}`);
    store.dispatch({ type: 'confirm', request: { kind: 'broadcast', targets: names, text, unknown } });
  };

  const runCommand = (line: string): void => {
    store.dispatch({ type: 'mode', mode: 'grid' });
    const words = line.trim().split(/\s+/).filter(Boolean);
    const [verb, ...args] = words;
    if (!verb) return;
    if (verb === 'q' || verb === 'quit') return run('quit');
    if (verb === 'sort') {
      const k = args[0];
      if (k === 'state' || k === 'name' || k === 'activity') store.dispatch({ type: 'sort', sort: k });
      else toast('error', `:sort takes state, name or activity`);
      return;
    }
    if (verb === 'filter') {
      store.dispatch({ type: 'mode', mode: 'filter' }, { type: 'filter-clear' }, { type: 'input', text: args.join(' ') }, { type: 'filter-apply' });
      return;
    }
    const s = S();
    const targetsOf = (): { names: string[]; unknown: string[] } =>
      args.length > 0 ? ops.resolveSelectors(args, [...s.ui.marks]) : { names: actionTargets(s), unknown: [] };
    if (verb === 'mark') {
      const { names } = targetsOf();
      store.dispatch({ type: 'mark-set', names });
      return toast('info', `marked ${names.length}`);
    }
    const kind = VERBS[verb];
    if (!kind) return toast('error', `unknown command :${sanitize(verb, { singleLine: true, max: 40 })} (try :wake :reset :stop :start :broadcast :mark :sort :filter :q)`);
    if (kind === 'broadcast') {
      if (s.readOnly) return toast('error', 'broadcast is disabled in --read-only mode');
      store.dispatch({ type: 'prompt-open', targets: args.length > 0 ? args.join(' ') : undefined });
      return;
    }
    const { names, unknown } = targetsOf();
    request(kind, names, unknown);
  };

  function run(id: ActionId): void {
    const s = S();
    const sel = s.ui.selected;
    switch (id) {
      case 'cursor.down': return store.dispatch({ type: 'cursor', delta: 1 });
      case 'cursor.up': return store.dispatch({ type: 'cursor', delta: -1 });
      case 'cursor.top': return store.dispatch({ type: 'cursor-to', where: 'top' });
      case 'cursor.bottom': return store.dispatch({ type: 'cursor-to', where: 'bottom' });
      case 'page.down': return store.dispatch({ type: 'page', dir: 1 });
      case 'page.up': return store.dispatch({ type: 'page', dir: -1 });
      case 'mark.toggle': return store.dispatch({ type: 'mark-toggle' });
      case 'mark.all': return store.dispatch({ type: 'mark-all-visible' });
      case 'mark.clear': return store.dispatch({ type: 'mark-clear' });
      case 'filter.open': return store.dispatch({ type: 'mode', mode: 'filter' });
      case 'command.open': return store.dispatch({ type: 'mode', mode: 'command' });
      case 'help.open': return store.dispatch({ type: 'mode', mode: 'help' });
      case 'help.close': return store.dispatch({ type: 'back' });
      case 'preview.toggle': return store.dispatch({ type: 'preview-toggle' });
      case 'sort.cycle': return store.dispatch({ type: 'sort' });
      case 'back': return store.dispatch({ type: 'back' });
      case 'input.backspace': return store.dispatch({ type: 'backspace' });
      case 'filter.apply': return store.dispatch({ type: 'filter-apply' });
      case 'prompt.open':
        if (s.readOnly) return toast('error', 'broadcast is disabled in --read-only mode');
        return store.dispatch({ type: 'prompt-open' });
      case 'prompt.field': return store.dispatch({ type: 'prompt-field' });
      case 'prompt.newline':
        if (s.ui.promptField === 'text') store.dispatch({ type: 'input', text: '\n' });
        return;
      case 'prompt.send': return promptSend();
      case 'command.run': return runCommand(s.ui.input);
      case 'confirm.yes': return confirmYes();
      case 'confirm.no': return store.dispatch({ type: 'back' });
      case 'quit': {
        const r = s.run;
        if (r && !r.finished && !quitArmed) {
          quitArmed = true;
          return toast('error', `a broadcast is still sending (${r.done}/${r.total}): q again quits; the ledger finishes the rest on the next fleet command`);
        }
        store.dispatch({ type: 'quit' });
        return ops.quit();
      }
      case 'attach':
        if (!sel) return toast('error', 'attach: no agent selected');
        track(ops.attach(sel).catch((e: unknown) => toast('error', `attach ${sel}: ${errText(e)}`)));
        return;
      case 'wake':
      case 'start':
      case 'reset':
      case 'stop':
        return request(id, actionTargets(s));
    }
  }

  const onChord = (chord: string, input = chord): void => {
    const s = S();
    const b = chord === '\u0000text' ? undefined : resolve(s.ui.mode, chord, s.readOnly);
    if (b) return run(b.action);
    if (!TEXT_MODES.has(s.ui.mode)) return;
    // Typed (or pasted) text: keep printable characters only; the prompt keeps newlines.
    const keepNewlines = s.ui.mode === 'prompt' && s.ui.promptField === 'text';
    const clean = sanitize(input.replace(/\r\n?/g, '\n'));
    const text = keepNewlines ? clean : clean.replace(/\n/g, ' ');
    if (text) store.dispatch({ type: 'input', text });
  };

  /**
   * Several keys can arrive in one read (fast typing, tmux send-keys, a paste): Ink then hands over
   * one string. Replay it key by key — mode switches inside the chunk apply to the keys after them —
   * but insert runs of plain text into a text field in one step.
   */
  const onInput = (input: string, key: KeyLike): void => {
    const special = Object.entries(key).some(([k, v]) => v === true && k !== 'shift');
    if (input.length <= 1 || special) return onChord(chordOf(input, key), input);
    const chars = Array.from(input);
    for (let i = 0; i < chars.length; ) {
      const ch = chars[i]!;
      if (TEXT_MODES.has(S().ui.mode) && !/[\u0000-\u001f\u007f]/.test(ch)) {
        let j = i;
        while (j < chars.length && !/[\u0000-\u001f\u007f]/.test(chars[j]!)) j++;
        onChord('\u0000text', chars.slice(i, j).join(''));
        i = j;
        continue;
      }
      onChord(charChord(ch), ch);
      i++;
    }
  };

  return {
    onInput,
    onChord,
    run,
    runCommand,
    async idle() {
      while (pending.size > 0) await Promise.all([...pending]);
    },
  };
}

