#!/usr/bin/env node
// The multi-call entry, kept tiny: it loads the one-file bundle of the command it runs
// (dist/cmd/, built by scripts/bundle.mjs) and nothing else. Help, --version, unknown names,
// and a tree whose bundles are older than dist/src (tsc ran alone) go through dist/src/cli/main.js.
'use strict';
const { readFileSync, statSync } = require('fs');
const { basename, join } = require('path');

const argv = process.argv;
const dist = join(__dirname, '..', 'dist');

function bundleTable() {
  try {
    const table = statSync(join(dist, 'cmd', 'table.json')).mtimeMs;
    if (statSync(join(dist, 'src', 'cli', 'commands.js')).mtimeMs > table) return null;
    return JSON.parse(readFileSync(join(dist, 'cmd', 'table.json'), 'utf8'));
  } catch {
    return null;
  }
}

function finish(code) {
  // stdout and stderr are synchronous for files, pipes and terminals on Linux: nothing is lost
  if (typeof code === 'number') process.exit(code);
}

const table = bundleTable();
const self = basename(argv[1] || 'hexad').replace(/\.js$/, '');
let name, args, prog;
if (table && table.links[self]) {
  name = table.links[self];
  args = argv.slice(2);
  prog = self;
} else if (table && table.commands[argv[2]] && argv[3] !== '--help') {
  name = argv[2];
  args = argv.slice(3);
  prog = `hexad ${name}`;
}
if (!name && argv[2] === '--version' && !table?.links[self]) {
  require('fs').writeSync(1, `hexad ${require('../package.json').version}\n`);
} else if (name) {
  // Node >= 22.1: compiled code cached on disk, for the bundles' next runs
  require('module').enableCompileCache?.();
  require(join(dist, 'cmd', `${table.commands[name]}.cjs`)).run(args, prog).then(finish);
} else {
  import('../dist/src/cli/main.js').then((m) => m.run(argv)).then(finish);
}
