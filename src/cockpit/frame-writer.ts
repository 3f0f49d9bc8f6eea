/**
 * Writes only the lines of a frame that changed. Ink (non-incremental) repaints the whole screen on
 * every render: erase every line, then the full frame. On a 200×60 terminal that is ~10 KB per key
 * for the terminal (and tmux) to parse, and a visible flicker where synchronized output is not
 * supported. This proxy of stdout recognises Ink's frame writes and turns them into absolute
 * positioned writes of the changed lines. (Ink 6.8's own `incrementalRendering` is one line off
 * when a frame ends with a newline, so it is not used.)
 *
 * Assumes the frame starts at the top-left of the (alternate) screen, which the cockpit guarantees:
 * it clears and homes the screen before mounting, and mounts a fresh proxy each time.
 */

const ERASE_PREFIX = /^(?:\u001b\[2K\u001b\[1A)*\u001b\[2K\u001b\[G/;
// A frame body holds text and SGR colour codes only (and newlines).
const NON_SGR_ESC = /\u001b(?!\[[0-9;:]*m)/;
const PASS_THROUGH = /^(?:\u001b\[\?(?:25|2026)[hl])+$/;

export interface FrameWriterStats {
  frames: number;
  bytesIn: number;
  bytesOut: number;
}

export function createFrameDiffWriter(write: (s: string) => boolean): { write: (s: string) => boolean; stats: FrameWriterStats } {
  let prev: string[] | null = null;
  const stats: FrameWriterStats = { frames: 0, bytesIn: 0, bytesOut: 0 };
  const out = (s: string): boolean => {
    stats.bytesOut += s.length;
    return write(s);
  };
  return {
    stats,
    write(s: string): boolean {
      stats.bytesIn += s.length;
      if (PASS_THROUGH.test(s)) return out(s);
      const prefix = ERASE_PREFIX.exec(s)?.[0] ?? '';
      const body = s.slice(prefix.length);
      const isFrame = body.endsWith('\n') && !NON_SGR_ESC.test(body) && (prefix !== '' || prev === null);
      if (!isFrame) {
        prev = null; // something else moved the cursor: the next frame is written whole
        return out(s);
      }
      stats.frames++;
      const lines = body.split('\n'); // the last element is the '' after the final newline
      if (prev === null) {
        prev = lines;
        return out(s);
      }
      let o = '';
      for (let i = 0; i < lines.length - 1; i++) {
        if (lines[i] !== prev[i]) o += `\u001b[${i + 1};1H${lines[i]}\u001b[0m\u001b[K`;
      }
      for (let i = lines.length - 1; i < prev.length - 1; i++) o += `\u001b[${i + 1};1H\u001b[2K`;
      // Leave the cursor where Ink believes it is: on the line after the frame.
      o += `\u001b[${lines.length};1H`;
      prev = lines;
      return out(o);
    },
  };
}

/** A stdout whose `write` goes through the frame differ; everything else is the real stream. */
export function frameDiffStdout<T extends { write: (...a: never[]) => unknown }>(real: T): T {
  const w = createFrameDiffWriter((s) => (real.write as unknown as (s: string) => boolean).call(real, s));
  return new Proxy(real, {
    get(target, key) {
      if (key === 'write') return w.write;
      const v: unknown = Reflect.get(target, key);
      return typeof v === 'function' ? (v as (...a: unknown[]) => unknown).bind(target) : v;
    },
  });
}
