import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../src/domain/errors.js';
import { ensureStateDir, parseWakeRecord, readAgentFiles, setFlag, updateWakeRecord, writeFileAtomic, writeWakeRecord } from '../../src/state/files.js';
import { tempDir } from '../helpers/tmux.js';

const mode = (p: string): number => fs.statSync(p).mode & 0o777;

describe('ensureStateDir', () => {
  it('creates the dir and agents/ with mode 0700', () => {
    const root = path.join(tempDir(), 'deep', 'state');
    const p = ensureStateDir(root);
    expect(mode(root)).toBe(0o700);
    expect(mode(p.agentsDir)).toBe(0o700);
  });

  it('tightens an existing private-but-readable dir (0755 → 0700)', () => {
    const root = tempDir();
    fs.chmodSync(root, 0o755);
    ensureStateDir(root);
    expect(mode(root)).toBe(0o700);
  });

  it.each([0o770, 0o777, 0o702])('refuses a group/world-writable dir (mode %o) and leaves it as it was', (m) => {
    const root = tempDir();
    fs.chmodSync(root, m);
    let err: unknown;
    try {
      ensureStateDir(root);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ConfigError);
    expect((err as Error).message).toMatch(/writable by group or others/);
    expect((err as Error).message).toContain(`chmod 700 ${root}`);
    expect(mode(root)).toBe(m);
    expect(fs.existsSync(path.join(root, 'agents'))).toBe(false);
  });

  it('refuses a dir owned by another user', () => {
    const root = tempDir();
    const me = fs.statSync(root).uid;
    expect(() => ensureStateDir(root, { uid: me + 1 })).toThrowError(new RegExp(`belongs to uid ${me}, not to you`));
    expect(() => ensureStateDir(root, { uid: me })).not.toThrow();
  });

  it('follows a symlink and checks the real dir', () => {
    const base = tempDir();
    const real = path.join(base, 'real');
    fs.mkdirSync(real, { mode: 0o777 });
    fs.chmodSync(real, 0o777);
    const link = path.join(base, 'link');
    fs.symlinkSync(real, link);
    expect(() => ensureStateDir(link)).toThrowError(/writable by group or others/);
  });

  it('a file where the dir should be is a clear error', () => {
    const f = path.join(tempDir(), 'file');
    fs.writeFileSync(f, 'x');
    expect(() => ensureStateDir(f)).toThrowError(ConfigError);
  });
});

describe('state files', () => {
  it('writeFileAtomic writes 0600 and leaves no temp files', () => {
    const dir = tempDir();
    const f = path.join(dir, 'x.json');
    writeFileAtomic(f, 'one');
    writeFileAtomic(f, 'two');
    expect(fs.readFileSync(f, 'utf8')).toBe('two');
    expect(mode(f)).toBe(0o600);
    expect(fs.readdirSync(dir)).toEqual(['x.json']);
  });

  it('flags, marks and wake records round-trip with mode 0600', () => {
    const p = ensureStateDir(path.join(tempDir(), 's'));
    expect(readAgentFiles(p, 'a')).toEqual({ stopped: false, newMark: false, wake: null });
    setFlag(p.stopped('a'), true);
    setFlag(p.newMark('a'), true, 'why\n');
    writeWakeRecord(p, 'a', { wokenAt: 1000, mode: 'fresh', baselineMs: null, sessionId: '$3' });
    updateWakeRecord(p, 'a', { attachedAt: 2000, lastTask: 'fix it' });
    const f = readAgentFiles(p, 'a');
    expect(f).toMatchObject({ stopped: true, newMark: true });
    expect(f.wake).toEqual({ wokenAt: 1000, mode: 'fresh', baselineMs: null, sessionId: '$3', attachedAt: 2000, lastTask: 'fix it' });
    for (const file of [p.stopped('a'), p.newMark('a'), p.wake('a')]) expect(mode(file)).toBe(0o600);
    expect(fs.readFileSync(p.newMark('a'), 'utf8')).toBe('why\n');
    setFlag(p.stopped('a'), false);
    setFlag(p.stopped('a'), false); // clearing twice is fine
    expect(readAgentFiles(p, 'a').stopped).toBe(false);
  });

  it('updateWakeRecord without a record does nothing', () => {
    const p = ensureStateDir(path.join(tempDir(), 's'));
    updateWakeRecord(p, 'a', { attachedAt: 1 });
    expect(fs.existsSync(p.wake('a'))).toBe(false);
  });

  it.each([
    ['not JSON', '{{{'],
    ['an array', '[1,2]'],
    ['null', 'null'],
    ['missing wokenAt', '{"mode":"fresh"}'],
    ['wokenAt as text', '{"wokenAt":"yesterday"}'],
    ['wokenAt not finite', '{"wokenAt":1e999}'],
  ])('a garbage wake record (%s) reads as none', (_w, text) => {
    expect(parseWakeRecord(text)).toBeNull();
    const p = ensureStateDir(path.join(tempDir(), 's'));
    fs.writeFileSync(p.wake('a'), text);
    expect(readAgentFiles(p, 'a').wake).toBeNull();
  });

  it('a wake record with odd field types keeps only what is well-typed', () => {
    expect(parseWakeRecord('{"wokenAt":5,"mode":"weird","baselineMs":"x","sessionId":7,"attachedAt":"no","lastTask":3}')).toEqual({
      wokenAt: 5,
      mode: 'resume',
      baselineMs: null,
      sessionId: null,
    });
  });
});
