/** Agent and socket name rules (DESIGN §2). Names are checked, never "fixed up". */

export const AGENT_NAME_RE = /^[a-z][a-z0-9-]{0,31}$/;
export const HOLDER_SESSION = '_holder';

export function agentNameProblem(name: string): string | null {
  if (AGENT_NAME_RE.test(name)) return null;
  if (name.length === 0) return 'is empty';
  // The characters tmux treats specially come first: they say why the name is dangerous, not just long.
  if (name.includes('#')) return 'contains "#" (tmux expands #(...) and #{...} in names)';
  if (/[.:]/.test(name)) return 'contains "." or ":" (tmux rewrites them in session names)';
  if (/\s/.test(name)) return 'contains white space';
  if (name.length > 32) return `is ${name.length} characters long (at most 32)`;
  if (/[A-Z]/.test(name)) return 'has upper-case letters (use lower case)';
  if (!/^[a-z]/.test(name)) return 'must start with a lower-case letter';
  return 'may only hold lower-case letters, digits and "-"';
}

export function assertAgentName(name: string): void {
  const p = agentNameProblem(name);
  if (p) throw new NameError(`invalid agent name ${JSON.stringify(name)}: ${p}; names match ${AGENT_NAME_RE.source}`);
}

/** A tmux -L socket name: a plain file name inside tmux's own socket directory. */
export const SOCKET_RE = /^[A-Za-z0-9_][A-Za-z0-9_.-]{0,63}$/;

export function socketNameProblem(name: string): string | null {
  if (name === 'default') return '"default" is the operator\'s own tmux server; fleet never uses it';
  if (name.includes('/') || name.includes('\\')) return 'contains a path separator (it would escape tmux\'s socket directory)';
  if (name.includes('..')) return 'contains ".." (it could escape tmux\'s socket directory)';
  if (!SOCKET_RE.test(name)) return `must match ${SOCKET_RE.source}`;
  return null;
}

export function assertSocketName(name: string): void {
  const p = socketNameProblem(name);
  if (p) throw new NameError(`invalid tmux socket name ${JSON.stringify(name)}: ${p}`);
}

export class NameError extends Error {
  override name = 'NameError';
}

/** Exact tmux targets. `=name` for session commands, `=name:` for pane commands. */
export function sessionTarget(name: string): string {
  return `=${name}`;
}
export function paneTarget(name: string): string {
  return `=${name}:`;
}
