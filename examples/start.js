#!/usr/bin/env node
// `npm start`: copies the example tree to examples/run/, runs `hexad svscan` on it with `hexad`
// on PATH, brings up the s6-rc example set (examples/rc) on the same tree through
// rc-compile, rc-init and `rc change`, and prints the status table; Ctrl-C stops everything.
// `npm start -- --once` stops after the first table (used by the tests).
import { spawn, spawnSync } from 'node:child_process';
import { cpSync, mkdirSync, rmSync, symlinkSync } from 'node:fs';
import { createTenants, makeTenants } from './instances/tenants.js';
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';

const here = fileURLToPath(new URL('.', import.meta.url));
const hexad = join(here, '..', 'bin', 'hexad.js');
const runDir = join(here, 'run');
const scan = join(runDir, 'scan');
const once = process.argv.includes('--once');

rmSync(runDir, { recursive: true, force: true });
mkdirSync(runDir, { recursive: true });
cpSync(join(here, 'scan'), scan, { recursive: true });
// an einhorn master serving examples/einhorn/server.js on 127.0.0.1:8091, supervised like the rest
symlinkSync(join(here, 'einhorn', 'service'), join(scan, 'einhorn'));
// an instanced service: one worker per tenant, with a catch-all logger in examples/run/logs
makeTenants(scan, join(runDir, 'logs', 'tenants'));
spawnSync(process.execPath, [hexad, 'links', join(runDir, 'bin')], { stdio: 'ignore' });
const env = { ...process.env, PATH: `${join(runDir, 'bin')}:${process.env.PATH}`, HEXAD_EXAMPLE_DIR: runDir };
const tool = (...args) => spawnSync(process.execPath, [hexad, ...args], { env, encoding: 'utf8' });

const scanner = spawn(process.execPath, [hexad, 'svscan', scan], { env, stdio: ['ignore', 'inherit', 'inherit'] });
const live = join(runDir, 'live');
const stop = () => {
  tool('rc', '-l', live, '-Da', 'change');
  tool('svscanctl', '-t', scan);
};
process.on('SIGINT', stop);
process.on('SIGTERM', stop);
scanner.on('exit', (code) => process.exit(code ?? 0));

// the service manager: compile the example definitions, set up the live state on this scan
// directory (its longruns linked in as rc-db and rc-web), and bring the bundle up
const steps = [
  ['rc-compile', join(runDir, 'compiled'), join(here, 'rc')],
  ['rc-init', '-c', join(runDir, 'compiled'), '-l', live, '-p', 'rc-', scan],
  ['rc', '-l', live, '-v2', '-t', '30000', 'change', 'example'],
];
for (const step of steps) {
  const r = tool(...step);
  process.stderr.write(r.stderr);
  if (r.status !== 0) process.stderr.write(`start: hexad ${step[0]} exited ${r.status}\n`);
}

try {
  createTenants(scan);
} catch (e) {
  process.stderr.write(`start: ${e.message}\n`);
}

// wait until the web service is up and ready, and the logger too, then show the table
const waited = tool('svwait', '-t', '20000', '-U', join(scan, 'web'), join(scan, 'logged', 'log'));
if (waited.status !== 0) process.stderr.write(waited.stderr);
process.stdout.write('\n' + tool('status', scan).stdout);
process.stdout.write(`\nTry: curl 127.0.0.1:8080 (web) ; curl 127.0.0.1:7410 (rc's web) ; curl 127.0.0.1:8091 (einhorn)
     node bin/hexad.js einhornsh -c hexad-example -e upgrade      (zero-downtime upgrade)
     node bin/hexad.js instance-list ${join(scan, 'tenants')}
     node bin/hexad.js status ${scan}
     node bin/hexad.js svc -r ${join(scan, 'web')}
     node bin/hexad.js rc -l ${live} -a list\n`);
if (once) stop();
else process.stdout.write('Ctrl-C stops the tree.\n');
