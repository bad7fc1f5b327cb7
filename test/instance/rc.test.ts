// instance-maker -r: the source definitions compile with hexad rc-compile, and the compiled
// pair (instanced service + catch-all logger in a pipeline) runs under s6-rc's control: the
// pipeline bundle comes up, instances are created in the live service, their output reaches
// the logger through the pipeline.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { hexad, hexadDaemon, rmrf, serviceDir, tmp, until } from '../helpers.js';
import { isLocked } from '../../src/s6/lockfile.js';
import { processesUnder } from './util.js';

const root = tmp('hexad-irc-');
after(() => rmrf(root));

test('-r service/logger/pipeline: rc-compile accepts it, rc brings it up, instances log through the pipeline', { timeout: 60_000 }, async (t) => {
  const tpl = serviceDir(join(root, 'template'), { run: 'echo "$1 up"\nexec sleep 1000\n' });
  const src = join(root, 'src'), compiled = join(root, 'compiled'), live = join(root, 'live'), scan = join(root, 'scan'), logs = join(root, 'logs');
  const made = hexad(['instance-maker', '-r', 'tenants/tenants-log/tenants-pipe', '-L', logs, '-t', '0', tpl, src]);
  assert.equal(made.code, 0, made.stderr);
  const c = hexad(['rc-compile', compiled, src]);
  assert.equal(c.code, 0, c.stderr);
  const db = hexad(['rc-db', '-c', compiled, 'contents', 'tenants-pipe']);
  assert.equal(db.code, 0, db.stderr);
  assert.deepEqual(db.stdout.split('\n').filter(Boolean).sort(), ['tenants', 'tenants-log']);
  assert.ok(existsSync(join(compiled, 'servicedirs', 'tenants', 'template', 'run')));

  serviceDir(scan, {});
  const d = hexadDaemon(['svscan', scan]);
  t.after(async () => {
    hexad(['rc', '-l', live, '-Da', 'change']);
    d.kill('SIGTERM');
    await d.wait(20_000).catch(() => d.stop('SIGKILL'));
    const left = processesUnder(root);
    for (const pid of left) try { process.kill(pid, 'SIGKILL'); } catch { /* gone */ }
    assert.deepEqual(left, [], 'processes left behind');
  });
  await until('scanner', () => isLocked(join(scan, '.s6-svscan', 'lock')));
  const init = hexad(['rc-init', '-c', compiled, '-l', live, scan]);
  assert.equal(init.code, 0, init.stderr);
  const up = hexad(['rc', '-l', live, '-t', '20000', '-u', 'change', 'tenants-pipe']);
  assert.equal(up.code, 0, up.stderr);

  const svc = join(scan, 'tenants');
  for (const name of ['acme', 'globex']) assert.equal(hexad(['instance-create', svc, name]).code, 0);
  assert.deepEqual(hexad(['instance-list', svc]).stdout.split('\n').filter(Boolean).sort(), ['acme', 'globex']);
  await until('both lines in the pipeline\'s log', () => {
    const text = existsSync(join(logs, 'current')) ? readFileSync(join(logs, 'current'), 'utf8') : '';
    return text.includes('acme up\n') && text.includes('globex up\n');
  });
  assert.equal(hexad(['instance-delete', svc, 'acme']).code, 0);
  assert.deepEqual(readdirSync(join(svc, 'instances')), ['globex']);
});
