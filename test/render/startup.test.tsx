import { describe, expect, it } from 'vitest';

describe('start-up of the cockpit module', () => {
  it('loads Ink without fetch (yoga decodes its inline WebAssembly itself) and puts fetch back', async () => {
    const before = globalThis.fetch;
    expect(typeof before).toBe('function');
    const root = await import('../../src/cockpit/root.js');
    expect(typeof root.runCockpit).toBe('function');
    expect(globalThis.fetch).toBe(before);
  });
});
