#!/usr/bin/env node
// The instanced-service example: one worker per tenant, from the template in ./template.
//
//   node examples/instances/tenants.js make SCANDIR [LOGDIR]
//       (offline) makes SCANDIR/tenants with hexad instance-maker: a nested supervision
//       tree for the workers, and a catch-all logger writing to LOGDIR (default
//       SCANDIR/../logs/tenants);
//   node examples/instances/tenants.js create SCANDIR [NAME...]
//       (once a scanner runs on SCANDIR) waits for the instanced service, then creates one
//       instance per tenant (default: alice bob carol).
//
// Then: hexad instance-list SCANDIR/tenants, hexad instance-status SCANDIR/tenants alice,
// hexad instance-control -d SCANDIR/tenants bob, hexad instance-delete SCANDIR/tenants carol.
// The functions are exported for examples/start.js.
import { spawnSync } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = fileURLToPath(new URL('.', import.meta.url));
const hexad = join(here, '..', '..', 'bin', 'hexad.js');
export const TENANTS = ['alice', 'bob', 'carol'];

function tool(...args) {
  const r = spawnSync(process.execPath, [hexad, ...args], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`hexad ${args[0]} exited ${r.status}: ${r.stderr.trim()}`);
  return r.stdout;
}

/** Offline: SCANDIR/tenants, an instanced service with a catch-all logger. Returns its path. */
export function makeTenants(scan, logdir = join(dirname(resolve(scan)), 'logs', 'tenants')) {
  const svc = join(scan, 'tenants');
  mkdirSync(scan, { recursive: true });
  mkdirSync(dirname(resolve(logdir)), { recursive: true }); // the logger makes its own directory, not its parents
  tool('instance-maker', '-L', resolve(logdir), '-c', '100', join(here, 'template'), svc);
  return svc;
}

/** Online: waits (up to 20 s) until the instanced service is up and ready, then creates the
 * tenants' instances. */
export function createTenants(scan, names = TENANTS) {
  const svc = join(scan, 'tenants');
  tool('svwait', '-t', '20000', '-U', svc);
  for (const name of names) tool('instance-create', '-t', '20000', svc, name);
  return svc;
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const [cmd, scan, ...rest] = process.argv.slice(2);
  try {
    if (cmd === 'make' && scan) process.stdout.write(`${makeTenants(scan, rest[0])}\n`);
    else if (cmd === 'create' && scan) createTenants(scan, rest.length ? rest : TENANTS);
    else {
      process.stderr.write('usage: tenants.js make SCANDIR [LOGDIR] | tenants.js create SCANDIR [NAME...]\n');
      process.exit(100);
    }
  } catch (e) {
    process.stderr.write(`tenants.js: fatal: ${e.message}\n`);
    process.exit(111);
  }
}
