/**
 * THE sanitiser: every text that came from an agent (pane capture, transcript text, tmux names and
 * titles, error text) passes through here before it reaches the operator's terminal.
 * Removes: ESC sequences of every kind (CSI, OSC incl. 52/8 with BEL or ST ends, DCS/SOS/PM/APC strings,
 * two-byte ESC x), 8-bit C1 controls (0x80–0x9F, incl. CSI 0x9B and OSC 0x9D with their payloads),
 * all C0 controls but newline (CR, BS, BEL, …), DEL, and bidi overrides that reorder what is shown.
 * Tabs become a space. With `singleLine`, newlines become "⏎ ".
 */

// OSC / DCS / SOS / PM / APC strings: ESC ] … (BEL | ESC \ | end); 8-bit forms 0x9D/0x90/0x98/0x9E/0x9F … (BEL | 0x9C | ESC \)
const STRING_SEQ = /(?:\u001b[\]PX^_]|[\u009d\u0090\u0098\u009e\u009f])[\s\S]*?(?:\u0007|\u001b\\|\u009c|$)/g;
// CSI: ESC [ or 0x9B, parameter bytes, intermediate bytes, one final byte (or the end of the text)
const CSI_SEQ = /(?:\u001b\[|\u009b)[\u0030-\u003f]*[\u0020-\u002f]*(?:[\u0040-\u007e]|$)/g;
// Any other escape: ESC, optional intermediates, one final byte; or a lone ESC at the end
const ESC_SEQ = /\u001b[\u0020-\u002f]*[\u0030-\u007e]?/g;
// Remaining controls: C0 except \n and \t, DEL, C1, bidi overrides and isolates
const CONTROLS = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/g;

export interface SanitizeOptions {
  singleLine?: boolean;
  /** Cut to this many characters (after cleaning), with an ellipsis. */
  max?: number;
}

export function sanitize(text: string, opts: SanitizeOptions = {}): string {
  let s = text.replace(STRING_SEQ, '').replace(CSI_SEQ, '').replace(ESC_SEQ, '').replace(/\t/g, ' ').replace(CONTROLS, '');
  if (opts.singleLine) s = s.replace(/\n+/g, '⏎ ');
  if (opts.max !== undefined && s.length > opts.max) s = s.slice(0, Math.max(0, opts.max - 1)) + '…';
  return s;
}

/** True when the text holds nothing the sanitiser would remove (for tests and assertions). */
export function isClean(text: string): boolean {
  return sanitize(text) === text.replace(/\t/g, ' ');
}
