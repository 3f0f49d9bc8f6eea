// Production build: production React, native modules left external.
//
// dist/fleet.cjs — the CLI and the cockpit in ONE CommonJS file, which bin/fleet.js compiles with a V8
// code cache (docs/BENCH.md "Start-up"): Node 20 has no compile cache for ES modules, and parsing and
// compiling ≈ 2 MB of JavaScript (React, Ink, yaml, zod, execa…) was a third of `fleet top`'s first frame.
// CommonJS cannot hold a top-level await, so two of Ink's modules are rewritten while bundling (below).
// dist/standin.js — the stand-in agent the tests and the demo run (an ES module, no cache).
import { build } from 'esbuild';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * yoga-layout initialises its WebAssembly with a top-level await; Ink's reconciler awaits its devtools
 * and package.json only when DEV is set. Replace both with synchronous code. Each rewrite checks that the
 * text it replaces is there, so an upgrade that changes them fails the build instead of misbehaving.
 */
const noTopLevelAwait = {
  name: 'no-top-level-await',
  setup(b) {
    const must = (text, from, to, file) => {
      if (!(typeof from === 'string' ? text.includes(from) : from.test(text))) throw new Error(`build: ${file} changed; update scripts/build.mjs (${String(from).slice(0, 60)})`);
      return text.replace(from, to);
    };
    b.onLoad({ filter: /yoga-layout[\\/]dist[\\/]src[\\/]index\.js$/ }, (args) => {
      const glue = fs.readFileSync(new URL('../node_modules/yoga-layout/dist/binaries/yoga-wasm-base64-esm.js', import.meta.url), 'utf8');
      const m = /data:application\/octet-stream;base64,([A-Za-z0-9+/=]+)/.exec(glue);
      if (!m) throw new Error('build: yoga-layout no longer inlines its WebAssembly; update scripts/build.mjs');
      must(fs.readFileSync(args.path, 'utf8'), 'const Yoga = wrapAssembly(await loadYoga());', '', args.path);
      return {
        loader: 'js',
        resolveDir: args.path.replace(/[\\/][^\\/]+$/, ''),
        contents: `
import loadYoga from '../binaries/yoga-wasm-base64-esm.js';
import wrapAssembly from './wrapAssembly.js';
const wasm = Buffer.from(${JSON.stringify(m[1])}, 'base64');
// With a synchronous instantiateWasm the Emscripten loader finishes inside the call: afterwards the
// object passed in is the ready module (the promise it returns is already settled).
const mod = {
  instantiateWasm(imports, receive) {
    const instance = new WebAssembly.Instance(new WebAssembly.Module(wasm), imports);
    receive(instance);
    return instance.exports;
  },
};
loadYoga(mod).catch(() => undefined);
if (!mod.asm) throw new Error('yoga-layout did not initialise synchronously');
const Yoga = wrapAssembly(mod);
export default Yoga;
export * from './generated/YGEnums.js';
`,
      };
    });
    // signal-exit 3 (under Ink and restore-cursor) loads node:assert — ≈ 4 ms of Node's internal modules
    // before the first frame — for one argument check; the same check, without it.
    b.onLoad({ filter: /signal-exit[\\/]index\.js$/ }, (args) => {
      const s = fs.readFileSync(args.path, 'utf8');
      if (!s.includes("var assert = require('assert')")) return undefined; // signal-exit 4: no assert
      const t = must(s, "var assert = require('assert')", 'var assert = { equal: function (a, b, m) { if (a != b) throw new TypeError(m) } }', args.path);
      if ((t.match(/assert\./g) ?? []).length !== 1) throw new Error(`build: ${args.path} uses assert differently; update scripts/build.mjs`);
      return { loader: 'js', contents: t };
    });
    b.onLoad({ filter: /ink[\\/]build[\\/]reconciler\.js$/ }, (args) => {
      let s = fs.readFileSync(args.path, 'utf8');
      s = must(s, /if \(isDev\(\)\) \{\s*try \{\s*await import\('\.\/devtools\.js'\);[\s\S]*?\n\}\n(?=const diff)/, '', args.path);
      s = must(s, '? await loadPackageJson()', '? { name: undefined, version: undefined }', args.path);
      return { loader: 'js', contents: s };
    });
  },
};

/**
 * Every `import stringWidth from 'string-width'` that resolves to the top-level string-width (Ink's, fleet's)
 * gets src/cockpit/string-width.ts instead: the same answers, without Intl.Segmenter for the cockpit's own
 * narrow symbols (≈ 6 ms for the first such string, then ≈ 0.1 ms each; see that file). Other copies (an
 * older one nested under wrap-ansi) are left alone. The build fails if Ink no longer goes through it.
 * The real string-width behind the wrapper compiles its emoji expression on first use (below).
 */
const wrapper = fileURLToPath(new URL('../src/cockpit/string-width.ts', import.meta.url));
const realStringWidth = fileURLToPath(new URL('../node_modules/string-width/index.js', import.meta.url));
const redirected = new Set();
const rewritten = new Set();
const segmenterModule = fileURLToPath(new URL('../src/cockpit/segmenter.ts', import.meta.url));
const SEGMENTED = new Map(
  ['string-width/index.js', 'wrap-ansi/node_modules/string-width/index.js', '@alcalzone/ansi-tokenize/build/tokenize.js', 'slice-ansi/tokenize-ansi.js'].map((f) => [
    fileURLToPath(new URL(`../node_modules/${f}`, import.meta.url)),
    f,
  ]),
);
const fastStringWidth = {
  name: 'fast-string-width',
  setup(b) {
    b.onResolve({ filter: /^string-width$/ }, async (args) => {
      if (args.importer === wrapper || args.pluginData?.real) return undefined;
      const r = await b.resolve('string-width', { resolveDir: args.resolveDir, kind: args.kind, importer: args.importer, pluginData: { real: true } });
      if (r.errors.length > 0 || r.path !== realStringWidth) return undefined;
      redirected.add(args.importer);
      return { path: wrapper };
    });
    // Two rewrites of the terminal libraries under Ink, each checked against the text it replaces:
    //  - string-width builds `/^\p{RGI_Emoji}$/v` when its module loads: V8 expands that property of strings
    //    then, ≈ 13–22 ms on every start of the cockpit, though only a string with a character outside the
    //    fast paths (agent text with emoji, say) ever tests it. Build it on first use instead.
    //  - each of these modules builds an Intl.Segmenter when it loads (the first in a process loads ICU's
    //    grapheme rules, ≈ 9–14 ms) and ansi-tokenize segments every piece of every line Ink writes:
    //    src/cockpit/segmenter.ts builds it on first need and splits the cockpit's own text without it.
    b.onLoad({ filter: /(string-width[\\/]index|ansi-tokenize[\\/]build[\\/]tokenize|slice-ansi[\\/]tokenize-ansi)\.js$/ }, (args) => {
      const wanted = SEGMENTED.get(args.path);
      if (wanted === undefined) return undefined;
      let text = fs.readFileSync(args.path, 'utf8');
      const fail = (what) => {
        throw new Error(`build: ${args.path} changed; update the ${what} rewrite in scripts/build.mjs`);
      };
      if (text.split('new Intl.Segmenter(').length !== 2) fail('Intl.Segmenter');
      text = `import { fastSegmenter as __fleetSegmenter } from ${JSON.stringify(segmenterModule)};\n${text.replace('new Intl.Segmenter(', '__fleetSegmenter(')}`;
      if (args.path === realStringWidth) {
        const decl = 'const rgiEmojiRegex = /^\\p{RGI_Emoji}$/v;';
        if (!text.includes(decl) || text.split('rgiEmojiRegex').length !== 3 || !text.includes('rgiEmojiRegex.test(')) fail('lazy RGI_Emoji');
        text = text.replace(decl, 'let rgiEmojiCompiled;\nconst rgiEmojiRegex = { test: (s) => (rgiEmojiCompiled ??= /^\\p{RGI_Emoji}$/v).test(s) };');
      }
      rewritten.add(args.path);
      return { loader: 'js', contents: text, resolveDir: path.dirname(args.path) };
    });
  },
};

const common = {
  outdir: 'dist',
  bundle: true,
  platform: 'node',
  target: 'node20',
  sourcemap: 'linked',
  // Smaller source parses faster when there is no code cache yet (the first start after a build).
  minify: true,
  legalComments: 'none',
  jsx: 'automatic',
  define: { 'process.env.NODE_ENV': '"production"' },
  external: ['better-sqlite3', 'react-devtools-core'],
  logLevel: 'warning',
};

await build({
  ...common,
  entryPoints: { fleet: 'src/cli/entry.ts' },
  outExtension: { '.js': '.cjs' },
  format: 'cjs',
  define: { ...common.define, 'import.meta.url': '__fleetImportMetaUrl' },
  banner: { js: "var __fleetImportMetaUrl = require('node:url').pathToFileURL(__filename).href;" },
  plugins: [noTopLevelAwait, fastStringWidth],
});
if (![...redirected].some((f) => /[\\/]ink[\\/]build[\\/]/.test(f))) throw new Error('build: Ink no longer imports the top-level string-width; update scripts/build.mjs');
for (const [file, name] of SEGMENTED) if (!rewritten.has(file)) throw new Error(`build: ${name} was not rewritten (no longer bundled, or moved); update scripts/build.mjs`);
{
  // The rewritten modules must answer as the originals do: text the fast paths take and text they do not.
  const entry = [
    `export { default as stringWidth } from ${JSON.stringify(realStringWidth)};`,
    "export { tokenize, styledCharsFromTokens, styledCharsToString } from '@alcalzone/ansi-tokenize';",
    "export { default as sliceAnsi } from 'slice-ansi';",
    "export { default as wrapAnsi } from 'wrap-ansi';",
  ].join('\n');
  const out = await build({ ...common, stdin: { contents: entry, resolveDir: fileURLToPath(new URL('..', import.meta.url)) }, format: 'esm', write: false, sourcemap: false, minify: false, outdir: undefined, plugins: [fastStringWidth] });
  const ours = await import(`data:text/javascript;base64,${Buffer.from(out.outputFiles[0].text).toString('base64')}`);
  const theirs = {
    stringWidth: (await import('string-width')).default,
    ...(await import('@alcalzone/ansi-tokenize')),
    sliceAnsi: (await import('slice-ansi')).default,
    wrapAnsi: (await import('wrap-ansi')).default,
  };
  const samples = ['abc', '', '│ a1 › \u001b[32mbusy\u001b[39m ● …', '\u001b[7m › agent-1  \u001b[1mwaiting\u001b[22m\u001b[27m', '👍', '👨‍👩‍👧 x', 'é e\u0301', '日本語 ok', '🇫🇷 ok', '1️⃣', '☺ ❤️', 'a\r\nb', '\u001b]8;;https://x\u0007link\u001b]8;;\u0007'];
  const same = (name, a, b) => {
    if (JSON.stringify(a) !== JSON.stringify(b)) throw new Error(`build: the rewritten ${name} answers ${JSON.stringify(a)}, the original ${JSON.stringify(b)}`);
  };
  for (const t of samples) {
    same(`string-width(${JSON.stringify(t)})`, ours.stringWidth(t), theirs.stringWidth(t));
    same(`tokenize(${JSON.stringify(t)})`, ours.styledCharsToString(ours.styledCharsFromTokens(ours.tokenize(t))), theirs.styledCharsToString(theirs.styledCharsFromTokens(theirs.tokenize(t))));
    same(`tokenize(${JSON.stringify(t)})`, ours.tokenize(t), theirs.tokenize(t));
    same(`slice-ansi(${JSON.stringify(t)})`, ours.sliceAnsi(t, 1, 6), theirs.sliceAnsi(t, 1, 6));
    same(`wrap-ansi(${JSON.stringify(t)})`, ours.wrapAnsi(t, 4, { hard: true }), theirs.wrapAnsi(t, 4, { hard: true }));
  }
}

// esbuild escapes non-ASCII characters in strings and identifiers but not in regular expression literals
// (fleet's screen patterns hold box-drawing characters). One such character makes V8 hold the whole
// source as a two-byte string: 2.9 MB instead of 1.4 MB, resident for the process's life. Escape them
// (\uXXXX means the same code unit in a regex, a string or a template's cooked value), then make sure the
// bundle is ASCII. (Source-map columns after an escaped character on its line shift by a few.)
{
  const file = new URL('../dist/fleet.cjs', import.meta.url);
  const src = fs.readFileSync(file, 'utf8');
  const ascii = src.replace(/[^\x00-\x7f]/g, (c, at) => {
    if (src[at - 1] === '\\') throw new Error(`build: an escaped non-ASCII character at ${at} in dist/fleet.cjs; escape it in the source`);
    return `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`;
  });
  if (/[^\x00-\x7f]/.test(ascii)) throw new Error('build: dist/fleet.cjs is not ASCII');
  fs.writeFileSync(file, ascii);
}

await build({
  ...common,
  entryPoints: { standin: 'src/standin/main.ts' },
  format: 'esm',
  banner: {
    // Some bundled CommonJS dependencies call require(); give them one.
    js: "import { createRequire as __fleetCreateRequire } from 'node:module'; const require = __fleetCreateRequire(import.meta.url);",
  },
});

// A V8 code cache for the first `fleet top` after this build, and for every `fleet top --demo` (which keeps
// no cache of its own): bin/fleet.js runs the path to the first frame on a fake terminal
// (src/cockpit/warm-up.ts) and saves what it compiled into dist/code-cache/, which the launcher reads —
// never writes — while the state dir has no cache yet (docs/BENCH.md "Start-up"). Run through bin/fleet.js
// itself, so the cache is for the node and the flags `fleet` really runs with; V8 refuses it otherwise.
{
  const dir = fileURLToPath(new URL('../dist/code-cache', import.meta.url));
  fs.rmSync(dir, { recursive: true, force: true });
  const r = spawnSync(fileURLToPath(new URL('../bin/fleet.js', import.meta.url)), ['--warm-code-cache'], {
    env: { ...process.env, FLEET_CODE_CACHE: dir },
    encoding: 'utf8',
    timeout: 60_000,
  });
  const made = fs.existsSync(dir) && fs.readdirSync(dir).some((f) => f.startsWith('top-') && f.endsWith('.v8'));
  // Only start-up time depends on it: say so loudly, but a build without it still works.
  if (r.status !== 0 || !made) process.stderr.write(`build: WARNING: no code cache for the first fleet top (dist/code-cache): ${(r.stderr || String(r.error ?? `exit ${r.status}`)).trim()}\n`);
}
