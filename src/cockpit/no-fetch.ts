/**
 * Imported first by the composition root, before Ink: yoga-layout (Ink's layout engine) loads its
 * WebAssembly from an inline `data:` URL, through `fetch` when there is one — and Node's fetch is
 * undici, whose first use costs 20–50 ms of start-up (docs/COCKPIT.md, "First frame"). Without
 * `fetch` yoga decodes the same inline bytes itself. The root puts `fetch` back right after its
 * imports (`restoreFetch`); nothing in fleet fetches anything.
 */
const g = globalThis as { fetch?: typeof fetch };
const saved = g.fetch;
delete g.fetch;

export function restoreFetch(): void {
  if (saved && !g.fetch) g.fetch = saved;
}
