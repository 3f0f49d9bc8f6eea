import fs from 'node:fs';
import path from 'node:path';
import { claudeProjectDir } from '../../src/runtimes/claude-paths.js';
import type { TestFleet } from '../helpers/fleet-env.js';

/** Every user turn the stand-in `name` recorded, in order, across its session files (oldest file first). */
export function userTurns(f: TestFleet, name: string): string[] {
  const dir = claudeProjectDir(f.cwd(name), { CLAUDE_CONFIG_DIR: f.claudeHome });
  if (!fs.existsSync(dir)) return [];
  const files = fs
    .readdirSync(dir)
    .filter((x) => x.endsWith('.jsonl'))
    .map((x) => path.join(dir, x))
    .sort((a, b) => fs.statSync(a).birthtimeMs - fs.statSync(b).birthtimeMs);
  const out: string[] = [];
  for (const file of files) {
    for (const line of fs.readFileSync(file, 'utf8').split('\n')) {
      if (!line) continue;
      const r = JSON.parse(line) as { type: string; message?: { content?: unknown } };
      if (r.type === 'user' && typeof r.message?.content === 'string') out.push(r.message.content);
    }
  }
  return out;
}
