// hexad status: the table and the --json schema (hexad.status/1) of a scan directory.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { hexad, rmrf, serviceDir, tmp, until } from '../helpers.js';
import { svscan, serviceUp } from '../svscan/scan-helpers.js';
import { readStatus } from '../../src/s6/status.js';

const root = tmp('hexad-status-');
after(() => rmrf(root));

test('hexad status: one row per service, loggers nested, --json with the documented schema', { timeout: 60_000 }, async (t) => {
  const sc = join(root, 'scan');
  serviceDir(join(sc, 'web'), { run: 'echo >&3; exec sleep 1000', 'notification-fd': '3' });
  serviceDir(join(sc, 'crash'), { run: 'exit 3' });
  serviceDir(join(sc, 'idle'), { run: 'exec sleep 1000', down: '' });
  serviceDir(join(sc, 'logged'), { run: 'exec sleep 1000', 'log/run': 'exec cat >/dev/null' });
  await svscan(t, sc);
  await serviceUp(join(sc, 'web'));
  await serviceUp(join(sc, 'logged', 'log'));
  await until('web ready', () => readStatus(join(sc, 'web')).ready);
  await until('crash died twice', () => hexad(['svdt', join(sc, 'crash')]).stdout.split('\n').length > 2);

  const table = hexad(['status', sc]);
  assert.equal(table.code, 0);
  const lines = table.stdout.split('\n');
  assert.match(lines[0], /scan: scanner running, 4 services$/);
  assert.match(lines[1], /^SERVICE\s+STATE\s+PID\s+FOR\s+READY\s+LAST EXIT\s+DEATHS\s+NORMALLY\s+WANT\s+LOGGER\s+CPU\s+MEM$/);
  const row = (name: string) => lines.find((l) => l.trimStart().startsWith(name + ' '))!.trim().split(/\s{2,}/);
  assert.deepEqual(row('web').slice(0, 2), ['web', 'up']);
  assert.equal(row('web')[4], 'yes');
  assert.equal(row('crash')[5], 'exit 3');
  assert.deepEqual(row('idle').slice(0, 2), ['idle', 'down']);
  assert.equal(row('idle')[7], 'down');
  assert.equal(row('logged')[9], 'up');
  assert.match(row('web')[10], /^\d+\.\d%$/);
  assert.match(row('web')[11], /^[\d.]+[KMG]$/);
  assert.ok(lines.some((l) => /^  logged\/log\s+up/.test(l)));
  assert.doesNotMatch(table.stdout, /\x1b\[/, 'no colour when not a terminal');
  assert.match(hexad(['status', '--color', sc]).stdout, /\x1b\[32m/);

  const json = JSON.parse(hexad(['status', '--json', sc]).stdout);
  assert.equal(json.schema, 'hexad.status/1');
  assert.equal(json.scanner.running, true);
  assert.deepEqual(json.services.map((s: { name: string }) => s.name), ['crash', 'idle', 'logged', 'web']);
  const web = json.services[3];
  for (const key of ['name', 'path', 'supervised', 'state', 'pid', 'since', 'seconds', 'readiness', 'ready', 'readySince', 'paused', 'wantUp', 'normallyUp', 'lastExit', 'deaths', 'logger']) {
    assert.ok(key in web, `key ${key}`);
  }
  assert.equal(web.state, 'up');
  assert.equal(web.ready, true);
  assert.equal(typeof web.pid, 'number');
  assert.deepEqual(json.services[0].lastExit, { code: 3 });
  assert.ok(json.services[0].deaths >= 2);
  assert.equal(json.services[2].logger.name, 'logged/log');
  assert.deepEqual(json.rc, []);

  const one = JSON.parse(hexad(['status', '--json', join(sc, 'web')]).stdout);
  assert.equal(one.services.length, 1);
  assert.equal(one.services[0].name, 'web');
  assert.equal(hexad(['status', join(root, 'nope')]).code, 111);
});

test('hexad status nests the instances of an instanced service, in the table and in --json', { timeout: 60_000 }, async (t) => {
  const sc = join(root, 'iscan');
  mkdirSync(sc);
  const template = serviceDir(join(root, 'template'), { run: 'exec sleep 1000' });
  assert.equal(hexad(['instance-maker', template, join(sc, 'workers')]).code, 0);
  await svscan(t, sc);
  await until('instanced service ready', () => readStatus(join(sc, 'workers')).ready);
  for (const name of ['one', 'two']) assert.equal(hexad(['instance-create', '-t', '20000', join(sc, 'workers'), name]).code, 0);
  const table = hexad(['status', sc]).stdout;
  assert.match(table, /\nworkers\s+up\s/);
  assert.match(table, /\n  one\s+up\s/);
  assert.match(table, /\n  two\s+up\s/);
  const json = JSON.parse(hexad(['status', '--json', sc]).stdout);
  assert.deepEqual(json.services[0].instances.map((i: { name: string; state: string }) => [i.name, i.state]), [['one', 'up'], ['two', 'up']]);
});
