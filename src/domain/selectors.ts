/**
 * Target selectors for broadcast and `:` commands (DESIGN §7). Pure.
 *   name         one agent          coder*, re?ew[0-9]   glob over names (* ? [..])
 *   class:x      roster class       tag:x                roster tag
 *   state:idle   derived state      runtime:codex        runtime
 *   @marked      the marked rows    all                  every roster agent
 * Several selectors are a union, in the order they first match. Strays (sessions the roster does not
 * name) are never targets: fleet has no launch spec for them.
 */
import { AGENT_STATES, RUNTIMES, type AgentRow, type AgentState, type RuntimeName } from './types.js';
import { didYouMean } from './errors.js';

export interface SelectorProblem {
  selector: string;
  message: string;
}

export interface Resolution {
  /** Agent names, de-duplicated, in order of first match. */
  names: string[];
  /** Selectors that matched nothing (unknown names, empty sets), each as given. */
  unknown: string[];
  /** Why each unknown/invalid selector matched nothing, for the message. */
  problems: SelectorProblem[];
}

type Pred = (r: AgentRow) => boolean;

export function globToRegExp(glob: string): RegExp {
  let re = '';
  for (let i = 0; i < glob.length; i++) {
    const c = glob[i]!;
    if (c === '*') re += '.*';
    else if (c === '?') re += '.';
    else if (c === '[') {
      const end = glob.indexOf(']', i + 1);
      if (end < 0) re += '\\[';
      else {
        const body = glob.slice(i + 1, end).replace(/\\/g, '\\\\');
        re += `[${body.startsWith('!') ? '^' + body.slice(1) : body}]`;
        i = end;
      }
    } else re += c.replace(/[.+^${}()|\\/]/g, '\\$&');
  }
  return new RegExp(`^${re}$`);
}

const isGlob = (s: string): boolean => /[*?[]/.test(s);

/** The predicate of one selector, or a problem when it is malformed. */
export function parseSelector(sel: string, marked: readonly string[] = []): Pred | SelectorProblem {
  const s = sel.trim();
  if (s === '') return { selector: sel, message: 'empty selector' };
  if (s === 'all') return () => true;
  if (s === '@marked') {
    const set = new Set(marked);
    return (r) => set.has(r.name);
  }
  const colon = s.indexOf(':');
  if (colon > 0) {
    const key = s.slice(0, colon);
    const val = s.slice(colon + 1);
    if (val === '') return { selector: sel, message: `${key}: needs a value (e.g. ${key}:x)` };
    switch (key) {
      case 'class':
        return (r) => r.class === val;
      case 'tag':
        return (r) => r.tags.includes(val);
      case 'state':
        if (!(AGENT_STATES as readonly string[]).includes(val)) {
          const hint = didYouMean(val, AGENT_STATES);
          return { selector: sel, message: `unknown state "${val}"${hint ? ` (did you mean ${hint}?)` : ''}; states: ${AGENT_STATES.join(', ')}` };
        }
        return (r) => r.state === (val as AgentState);
      case 'runtime':
        if (!(RUNTIMES as readonly string[]).includes(val)) {
          return { selector: sel, message: `unknown runtime "${val}"; runtimes: ${RUNTIMES.join(', ')}` };
        }
        return (r) => r.runtime === (val as RuntimeName);
      default:
        return { selector: sel, message: `unknown selector kind "${key}:"; use class:, tag:, state:, runtime:, @marked, all, a name or a glob` };
    }
  }
  if (s.startsWith('@')) return { selector: sel, message: `unknown set "${s}"; the only named set is @marked` };
  if (isGlob(s)) {
    const re = globToRegExp(s);
    return (r) => re.test(r.name);
  }
  return (r) => r.name === s;
}

export function resolveSelectors(selectors: readonly string[], rows: readonly AgentRow[], marked: readonly string[] = []): Resolution {
  const targets = rows.filter((r) => r.state !== 'stray' && r.runtime !== null);
  const names: string[] = [];
  const seen = new Set<string>();
  const unknown: string[] = [];
  const problems: SelectorProblem[] = [];
  for (const sel of selectors) {
    const p = parseSelector(sel, marked);
    if (typeof p !== 'function') {
      unknown.push(sel);
      problems.push(p);
      continue;
    }
    const hits = targets.filter(p);
    if (hits.length === 0) {
      unknown.push(sel);
      problems.push({ selector: sel, message: nothingMessage(sel, targets, rows) });
      continue;
    }
    for (const r of hits) {
      if (!seen.has(r.name)) {
        seen.add(r.name);
        names.push(r.name);
      }
    }
  }
  return { names, unknown, problems };
}

function nothingMessage(sel: string, targets: readonly AgentRow[], rows: readonly AgentRow[]): string {
  const s = sel.trim();
  if (s === '@marked') return 'no agents are marked';
  if (s === 'all') return 'the roster names no agents';
  if (s.includes(':')) return `no agent matches ${s}`;
  if (isGlob(s)) return `no agent name matches the glob ${s}`;
  if (rows.some((r) => r.name === s && r.state === 'stray')) return `${s} is a stray session, not an agent in the roster`;
  const hint = didYouMean(s, targets.map((r) => r.name));
  return `no agent named "${s}" in the roster${hint ? ` (did you mean ${hint}?)` : ''}`;
}
