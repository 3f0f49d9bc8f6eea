/**
 * The cockpit's own symbols, as a regular-expression character-class body: § · × — … › ← ↑ → ↓ ⇄ ≈ ⌫ ⏎, box
 * drawing, ▲ ▼ ● ✓ ✗. Each is one column wide (src/cockpit/string-width.ts) and a grapheme of its own next
 * to any of the others or to ASCII (src/cockpit/segmenter.ts); the tests check both. Imports nothing: the
 * bundle's rewritten string-width modules depend on it.
 */
export const COCKPIT_SYMBOLS = '\\u00a7\\u00b7\\u00d7\\u2014\\u2026\\u203a\\u2190-\\u2193\\u21c4\\u2248\\u232b\\u23ce\\u2500-\\u257f\\u25b2\\u25bc\\u25cf\\u2713\\u2717';
