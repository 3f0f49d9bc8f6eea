/** Errors that map to exit codes: ConfigError → 2, OperationError → 1. */

export interface ProblemLocation {
  file: string;
  line?: number;
  col?: number;
  field?: string;
}

export interface Problem extends ProblemLocation {
  message: string;
  hint?: string;
}

export function formatProblem(p: Problem): string {
  const where = [p.file, p.line !== undefined ? String(p.line) : null, p.col !== undefined ? String(p.col) : null]
    .filter((x) => x !== null)
    .join(':');
  const field = p.field ? ` ${p.field}:` : '';
  const hint = p.hint ? ` — ${p.hint}` : '';
  return `${where}:${field} ${p.message}${hint}`;
}

/** A configuration or usage error: exit code 2. Carries one message per problem. */
export class ConfigError extends Error {
  override name = 'ConfigError';
  readonly exitCode = 2;
  constructor(
    message: string,
    readonly problems: Problem[] = [],
  ) {
    super(problems.length > 0 ? `${message}\n${problems.map((p) => '  ' + formatProblem(p)).join('\n')}` : message);
  }
}

/** The operation was attempted and failed: exit code 1. */
export class OperationError extends Error {
  override name = 'OperationError';
  readonly exitCode = 1;
}

export function exitCodeOf(e: unknown): number {
  if (e && typeof e === 'object' && 'exitCode' in e && typeof (e as { exitCode: unknown }).exitCode === 'number') {
    return (e as { exitCode: number }).exitCode;
  }
  return 1;
}

/** Closest candidate by edit distance, for "did you mean" hints. */
export function didYouMean(word: string, candidates: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestD = Infinity;
  for (const c of candidates) {
    const d = editDistance(word.toLowerCase(), c.toLowerCase());
    if (d < bestD) {
      bestD = d;
      best = c;
    }
  }
  return best !== undefined && bestD <= Math.max(2, Math.floor(word.length / 3)) ? best : undefined;
}

function editDistance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    let prev = row[0]!;
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const tmp = row[j]!;
      row[j] = Math.min(row[j]! + 1, row[j - 1]! + 1, prev + (a[i - 1] === b[j - 1] ? 0 : 1));
      prev = tmp;
    }
  }
  return row[b.length]!;
}
