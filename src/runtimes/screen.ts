/** Screen-text helpers shared by adapters: composers drawn in a box or below a rule. Pure. */

const BOX_PROMPT = /^\s*│\s*[>❯›]\s?(.*?)\s*│\s*$/;
const BOX_CONT = /^\s*│\s{2,}(.*?)\s*│\s*$/;
const RULE = /^\s*[─━]{8,}\s*$/;

function clean(text: string, placeholders: readonly RegExp[]): string | null {
  const t = text.trim();
  if (!t) return null;
  return placeholders.some((p) => p.test(t)) ? null : t;
}

export function screenLines(screen: string): string[] {
  return screen.split('\n').map((l) => l.replace(/\r$/, ''));
}

/** `│ > text │` (plus `│   more │` continuation lines): the last such box on screen. */
export function boxedDraft(screen: string, placeholders: readonly RegExp[] = []): string | null | undefined {
  const lines = screenLines(screen);
  for (let i = lines.length - 1; i >= 0; i--) {
    const m = BOX_PROMPT.exec(lines[i]!);
    if (!m) continue;
    const parts = [m[1]!.trim()];
    for (let j = i + 1; j < lines.length; j++) {
      const c = BOX_CONT.exec(lines[j]!);
      if (!c) break;
      parts.push(c[1]!.trim());
    }
    return clean(parts.join('\n'), placeholders);
  }
  return undefined; // no box on screen
}

/** A `<prompt> text` line directly below a horizontal rule (newer Claude), text up to the next rule. */
export function ruledDraft(screen: string, prompt: RegExp, placeholders: readonly RegExp[] = []): string | null | undefined {
  const lines = screenLines(screen);
  for (let i = lines.length - 1; i >= 1; i--) {
    const m = prompt.exec(lines[i]!);
    if (!m || !RULE.test(lines[i - 1]!)) continue;
    const parts = [(m[1] ?? '').trim()];
    for (let j = i + 1; j < lines.length && !RULE.test(lines[j]!); j++) parts.push(lines[j]!.trim());
    return clean(parts.join('\n'), placeholders);
  }
  return undefined;
}

/** The last line starting with the prompt char (no rule needed): Codex's `› text`. */
export function promptLineDraft(screen: string, prompt: RegExp, placeholders: readonly RegExp[] = []): string | null | undefined {
  const lines = screenLines(screen);
  for (let i = lines.length - 1; i >= 0; i--) {
    const m = prompt.exec(lines[i]!);
    if (m) return clean(m[1] ?? '', placeholders);
  }
  return undefined;
}

export function matchesAny(screen: string, patterns: readonly RegExp[]): boolean {
  return patterns.some((re) => re.test(screen));
}
