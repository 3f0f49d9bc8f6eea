import fs from 'node:fs';
import { ConfigError } from '../domain/errors.js';
import { MAX_ROSTER_BYTES, parseRoster } from '../domain/roster.js';
import type { Roster } from '../domain/types.js';

export { MAX_ROSTER_BYTES };

function isDirectory(p: string): boolean {
  try {
    return fs.statSync(p).isDirectory();
  } catch {
    return false;
  }
}

/** Reads and validates the roster file. Never writes it. Throws ConfigError (exit 2) with every problem. */
export function loadRoster(file: string): Roster {
  let st: fs.Stats;
  try {
    st = fs.statSync(file);
  } catch {
    throw new ConfigError(`no roster at ${file}`, [
      { file, message: 'file not found', hint: 'run `fleet init` to write an example, or pass --roster / set FLEET_ROSTER' },
    ]);
  }
  if (!st.isFile()) {
    throw new ConfigError(`invalid roster ${file}:`, [{ file, message: 'is not a regular file', hint: 'point --roster / FLEET_ROSTER at a YAML file' }]);
  }
  if (st.size > MAX_ROSTER_BYTES) {
    // Refused before reading: a huge file is never loaded into memory.
    throw new ConfigError(`invalid roster ${file}:`, [
      { file, message: `the roster is ${st.size} bytes; the limit is ${MAX_ROSTER_BYTES}`, hint: 'a roster this large is almost certainly the wrong file' },
    ]);
  }
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (e) {
    throw new ConfigError(`cannot read roster ${file}: ${(e as Error).message}`);
  }
  const r = parseRoster(text, { file, isDirectory });
  if (!r.ok) throw new ConfigError(`invalid roster ${file}:`, r.problems);
  return r.roster;
}
