import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

/** Claude's project-folder limit: longer slugs are cut to 200 chars plus "-" and a hash. */
export const CLAUDE_SLUG_MAX = 200;

/** 32-bit string hash (Java-style `h = 31h + c`), printed in base 36, as Claude Code does for long slugs. */
export function slugHash(s: string): string {
  let h = 0;
  for (let i = 0; i < s.length; i++) h = (Math.imul(h, 31) + s.charCodeAt(i)) | 0;
  return Math.abs(h).toString(36);
}

/** realpath(cwd) with every char outside [A-Za-z0-9] turned into "-"; over 200 chars: cut + "-" + hash. */
export function claudeSlug(cwd: string): string {
  let real: string;
  try {
    real = fs.realpathSync(cwd);
  } catch {
    real = path.resolve(cwd);
  }
  const slug = real.replace(/[^A-Za-z0-9]/g, '-');
  if (slug.length <= CLAUDE_SLUG_MAX) return slug;
  return `${slug.slice(0, CLAUDE_SLUG_MAX)}-${slugHash(real)}`;
}

export function claudeHome(env: Readonly<Record<string, string | undefined>>): string {
  return env.CLAUDE_CONFIG_DIR || path.join(env.HOME || os.homedir(), '.claude');
}

/** `${CLAUDE_CONFIG_DIR:-~/.claude}/projects/<slug>` */
export function claudeProjectDir(cwd: string, env: Readonly<Record<string, string | undefined>>): string {
  return path.join(claudeHome(env), 'projects', claudeSlug(cwd));
}
