#!/usr/bin/env node
// `npm start`: copies the example tree to examples/run/, runs `hexad svscan` on it with `hexad`
// on PATH, and prints the status table; Ctrl-C stops everything (svscanctl -t).
// `npm start -- --once` stops after the first table (used by the tests).
import { spawn, spawnSync } from 'node:child_process';
import { cpSync, mkdirSync, rmSync } from 'node:fs';
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
spawnSync(process.execPath, [hexad, 'links', join(runDir, 'bin')], { stdio: 'ignore' });
const env = { ...process.env, PATH: `${join(runDir, 'bin')}:${process.env.PATH}` };
const tool = (...args) => spawnSync(process.execPath, [hexad, ...args], { env, encoding: 'utf8' });

const scanner = spawn(process.execPath, [hexad, 'svscan', scan], { env, stdio: ['ignore', 'inherit', 'inherit'] });
const stop = () => tool('svscanctl', '-t', scan);
process.on('SIGINT', stop);
process.on('SIGTERM', stop);
scanner.on('exit', (code) => process.exit(code ?? 0));

// wait until the web service is up and ready, and the logger too, then show the table
const waited = tool('svwait', '-t', '20000', '-U', join(scan, 'web'), join(scan, 'logged', 'log'));
if (waited.status !== 0) process.stderr.write(waited.stderr);
process.stdout.write('\n' + tool('status', scan).stdout);
process.stdout.write(`\nTry: curl 127.0.0.1:8080 ; node bin/hexad.js status ${scan} ; node bin/hexad.js svc -r ${join(scan, 'web')}\n`);
if (once) stop();
else process.stdout.write('Ctrl-C stops the tree.\n');
