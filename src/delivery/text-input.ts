import fs from 'node:fs';
import { ConfigError } from '../domain/errors.js';

/** Bracketed-paste markers: the paste ends at the first ESC[201~, so text holding one cannot arrive intact. */
const PASTE_MARKERS = ['\u001b[200~', '\u001b[201~'];

export const DEFAULT_MAX_TEXT_BYTES = 256 * 1024;

/**
 * Why this text cannot be delivered byte-exactly (null when it can). Checked before anything is
 * written or pasted; the CLI turns it into exit 2.
 */
export function textProblem(text: string, maxBytes: number = DEFAULT_MAX_TEXT_BYTES): string | null {
  if (text.length === 0) return 'the text is empty';
  if (text.trim().length === 0) return 'the text is only white space';
  const bytes = Buffer.byteLength(text, 'utf8');
  if (bytes > maxBytes) return `the text is ${bytes} bytes, over the limit of ${maxBytes} bytes (defaults.maxTextBytes)`;
  for (const m of PASTE_MARKERS) {
    const at = text.indexOf(m);
    if (at >= 0) {
      return `the text contains a bracketed-paste marker (ESC${m.slice(1)}) at character ${at}: it would end the paste early, so it cannot be delivered intact`;
    }
  }
  const nul = text.indexOf('\u0000');
  if (nul >= 0) return `the text contains a NUL byte at character ${nul}: a terminal cannot carry it`;
  return null;
}

export function assertDeliverableText(text: string, maxBytes?: number, where = 'text'): void {
  const p = textProblem(text, maxBytes);
  if (p) throw new ConfigError(`${where}: ${p}`);
}

export interface TextSources {
  text?: string | undefined;
  file?: string | undefined;
  /** Reads all of stdin (injected for tests). Only consulted when neither text nor file is given. */
  readStdin?: () => Promise<string>;
  stdinIsTTY?: boolean;
}

/**
 * The text to send, from exactly one of --text, --file or stdin. Exit 2 (ConfigError) for: both
 * --text and --file, an unreadable file, a terminal on stdin with no text, and undeliverable text.
 */
export async function readText(src: TextSources, maxBytes: number = DEFAULT_MAX_TEXT_BYTES): Promise<string> {
  if (src.text !== undefined && src.file !== undefined) throw new ConfigError('give the text with --text or --file, not both');
  let text: string;
  let where: string;
  if (src.text !== undefined) {
    text = src.text;
    where = '--text';
  } else if (src.file !== undefined) {
    where = `--file ${src.file}`;
    let st: fs.Stats;
    try {
      st = fs.statSync(src.file);
    } catch (e) {
      throw new ConfigError(`${where}: cannot read: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
    }
    if (!st.isFile()) throw new ConfigError(`${where}: not a regular file`);
    if (st.size > maxBytes) throw new ConfigError(`${where}: the file is ${st.size} bytes, over the limit of ${maxBytes} bytes (defaults.maxTextBytes)`);
    text = fs.readFileSync(src.file, 'utf8');
  } else {
    where = 'stdin';
    if (src.stdinIsTTY ?? process.stdin.isTTY) throw new ConfigError('no text: give --text, --file, or pipe the text on stdin');
    text = await (src.readStdin ?? readAllStdin)();
  }
  assertDeliverableText(text, maxBytes, where);
  return text;
}

export function readAllStdin(limitBytes = 64 * 1024 * 1024): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let n = 0;
    process.stdin.on('data', (c: Buffer) => {
      n += c.length;
      if (n <= limitBytes) chunks.push(c);
    });
    process.stdin.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    process.stdin.on('error', reject);
  });
}
