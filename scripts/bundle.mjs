// Part of `npm run build`, after tsc: one CommonJS file per command of src/cli/commands.ts, in
// dist/cmd/MODULE.cjs, holding only what that command runs, so that a command costs Node's
// start-up and little more (one file to read and compile, no ESM loader). bin/hexad.js maps the
// command line to a bundle through dist/cmd/table.json. The readable dist/src stays the library.
import { build } from 'esbuild';
import { mkdirSync, writeFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const out = join(root, 'dist', 'cmd');
const { COMMANDS } = await import(pathToFileURL(join(root, 'dist', 'src', 'cli', 'commands.js')).href);

// Modules find the package's files relative to their own URL (../../../bin/hexad.js,
// ../../../src/native/, ./page.html): inside a bundle, each module's import.meta is made to
// name the file it was bundled from, dist/src/…, so those paths resolve the same.
const realMeta = {
  name: 'real-import-meta',
  setup(b) {
    b.onLoad({ filter: /[\\/]dist[\\/]src[\\/].*\.js$/ }, async (args) => {
      let text = await readFile(args.path, 'utf8');
      if (text.includes('import.meta')) {
        const rel = JSON.stringify(relative(out, args.path));
        const file = `require("path").join(__dirname, ${rel})`;
        text = text
          .replaceAll('import.meta.url', `require("url").pathToFileURL(${file}).href`)
          .replaceAll('import.meta.filename', file)
          .replaceAll('import.meta.dirname', `require("path").dirname(${file})`);
      }
      return { contents: text, loader: 'js' };
    });
  },
};

// Modules a command loads only on a rare path are left out of its bundle and loaded from
// dist/src at run time, when that path is taken: the whole multi-call program (help, unknown
// names), and einhornsh's interactive client and YAML reader (`-e` needs neither).
const LAZY = new Set(['cli/main.js', 'einhorn/client.js', 'einhorn/wire.js']);
const srcDir = join(root, 'dist', 'src');
const lazyMain = {
  name: 'lazy-modules',
  setup(b) {
    b.onResolve({ filter: /^\.\.?\/.*\.js$/ }, (args) => {
      if (args.kind !== 'dynamic-import') return undefined;
      const rel = relative(srcDir, join(args.resolveDir, args.path)).split('\\').join('/');
      return LAZY.has(rel) ? { path: `../src/${rel}`, external: true } : undefined;
    });
  },
};

mkdirSync(out, { recursive: true });
const modules = [...new Set(Object.values(COMMANDS).map((c) => c.module))];
const cli = join(root, 'dist', 'src', 'cli');
await Promise.all(modules.map((m) => build({
  stdin: {
    contents: [
      `import main, * as mod from ${JSON.stringify(join(cli, `${m}.js`))};`,
      `import { report } from ${JSON.stringify(join(cli, 'report.js'))};`,
      'export const usage = mod.usage;',
      'export async function run(args, prog) {',
      '  try { return await main(args, prog); } catch (e) { return report(e, prog, mod.usage); }',
      '}',
    ].join('\n'),
    resolveDir: cli,
    sourcefile: `${m}-entry.js`,
  },
  bundle: true,
  platform: 'node',
  format: 'cjs',
  target: 'node20',
  outfile: join(out, `${m}.cjs`),
  plugins: [lazyMain, realMeta],
  // esbuild's own API refuses to be bundled (config files in TypeScript are compiled with it)
  external: ['esbuild'],
  logLevel: 'error',
  legalComments: 'none',
})));

const links = {};
const commands = {};
for (const [name, info] of Object.entries(COMMANDS)) {
  commands[name] = info.module;
  for (const l of info.links) links[l] = name;
}
writeFileSync(join(out, 'table.json'), JSON.stringify({ commands, links }) + '\n');
process.stdout.write(`bundled ${modules.length} commands into ${out}\n`);
