import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { claudeHome, claudeProjectDir, claudeSlug, resolveClaudeProjectDir, slugHash } from '../../src/runtimes/claude-paths.js';
import { tempDir } from '../helpers/tmux.js';

describe('claude slug', () => {
  it('turns every char outside [A-Za-z0-9] into "-"', () => {
    expect(claudeSlug('/nonexistent/home/u/my_app.v2 (copy)')).toBe('-nonexistent-home-u-my-app-v2--copy-');
    expect(claudeSlug('/nonexistent/Ünï/x')).toBe('-nonexistent--n--x');
  });

  it('hashes like Java String.hashCode, in base 36, absolute value', () => {
    expect(slugHash('hello')).toBe((99162322).toString(36)); // "hello".hashCode() == 99162322
    expect(slugHash('')).toBe('0');
    // overflowing to a negative int still prints as a positive number
    expect(slugHash('x'.repeat(300))).toMatch(/^[0-9a-z]+$/);
  });

  it('over 200 chars: the first 200 + "-" + hash of the original path', () => {
    const long = '/nonexistent/' + 'd'.repeat(250);
    const s = claudeSlug(long);
    expect(s.length).toBe(201 + slugHash(long).length);
    expect(s.slice(0, 200)).toBe(long.replace(/[^A-Za-z0-9]/g, '-').slice(0, 200));
    expect(s.slice(200)).toBe(`-${slugHash(long)}`);
    // exactly 200 is not cut
    const p200 = '/' + 'a'.repeat(199);
    expect(claudeSlug(p200)).toBe('-' + 'a'.repeat(199));
  });

  it('uses realpath(cwd): a symlinked cwd maps to the target folder', () => {
    const root = tempDir();
    const real = path.join(root, 'real');
    fs.mkdirSync(real);
    fs.symlinkSync(real, path.join(root, 'link'));
    expect(claudeSlug(path.join(root, 'link'))).toBe(claudeSlug(real));
  });

  it('honours CLAUDE_CONFIG_DIR, else ~/.claude', () => {
    expect(claudeHome({ CLAUDE_CONFIG_DIR: '/x/y' })).toBe('/x/y');
    expect(claudeHome({ HOME: '/h' })).toBe('/h/.claude');
    expect(claudeProjectDir('/nonexistent/a', { CLAUDE_CONFIG_DIR: '/c' })).toBe('/c/projects/-nonexistent-a');
  });

  it('long path written by a Claude build with another hash: found by its 200-char prefix, disambiguated by cwd', () => {
    const root = tempDir();
    const env = { CLAUDE_CONFIG_DIR: path.join(root, 'claude') };
    const cwd = path.join(root, 'w'.repeat(120), 'v'.repeat(120));
    fs.mkdirSync(cwd, { recursive: true });
    const full = cwd.replace(/[^A-Za-z0-9]/g, '-');
    const projects = path.join(env.CLAUDE_CONFIG_DIR, 'projects');
    // nothing on disk: the computed folder
    expect(resolveClaudeProjectDir(cwd, env)).toBe(claudeProjectDir(cwd, env));
    const theirs = path.join(projects, `${full.slice(0, 200)}-bunhash1`);
    fs.mkdirSync(theirs, { recursive: true });
    expect(resolveClaudeProjectDir(cwd, env)).toBe(theirs);
    // a second project sharing the prefix: the one whose transcript records our cwd wins
    const other = path.join(projects, `${full.slice(0, 200)}-bunhash0`);
    fs.mkdirSync(other);
    fs.writeFileSync(path.join(other, 's.jsonl'), JSON.stringify({ type: 'user', cwd: '/somewhere/else' }) + '\n');
    fs.writeFileSync(path.join(theirs, 's.jsonl'), JSON.stringify({ type: 'user', cwd }) + '\n');
    expect(resolveClaudeProjectDir(cwd, env)).toBe(theirs);
    // the Node-hash folder, once it exists, is used as is
    fs.mkdirSync(claudeProjectDir(cwd, env));
    expect(resolveClaudeProjectDir(cwd, env)).toBe(claudeProjectDir(cwd, env));
  });
});
