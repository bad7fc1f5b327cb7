// Every config key changes what it should, on real processes.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { project } from './fixture.js';
import { until } from '../helpers.js';

const port = 20000 + (process.pid % 20000);

test('env, envFile, cwd, nice, rlimits, user, instances, stopSignal, oneshot down, readiness, log options, restart policy, autostart', { timeout: 240_000 }, async (t) => {
  const keep = 'exec sleep 1000';
  const node = (code: string): string[] => [process.execPath, '-e', code];
  const p = project(t, {
    apps: [
      { name: 'envs', cwd: 'sub', envFile: '.env', env: { FOO: 'from-env', NUM: 3 }, log: false,
        run: `echo "$FOO|$BAR|$NUM|$(pwd)" > ../envs.txt; ${keep}` },
      { name: 'niced', nice: 7, rlimits: { nofile: 123 }, log: false, run: `echo "$(cut -d' ' -f19 /proc/$$/stat) $(ulimit -n)" > nice.txt; ${keep}` },
      { name: 'asuser', user: 'nobody', log: false, run: `id -u > /tmp/hexad-uid-${process.pid}; ${keep}` },
      { name: 'workers', instances: ['a', 'b'], run: `echo "instance $HEXAD_INSTANCE"; touch "inst-$HEXAD_INSTANCE"; ${keep}` },
      { name: 'graceful', stopSignal: 'SIGINT', killTimeout: 5000, log: false,
        run: `trap 'echo INT > sig.txt; exit 0' INT; while :; do sleep 0.1; done` },
      { name: 'job', oneshot: { up: 'echo up > job.txt', down: 'echo down > job.txt' } },
      { name: 'pm2style', ready: { type: 'process.send' }, log: false, run: node("setTimeout(() => process.send('ready'), 300); setInterval(() => {}, 1000)") },
      { name: 'httpd', ready: { type: 'http', url: `http://127.0.0.1:${port}/`, interval: 100 }, log: false,
        run: node(`setTimeout(() => require('http').createServer((q, s) => s.end('ok')).listen(${port}, '127.0.0.1'), 500)`) },
      { name: 'tcpd', ready: { type: 'tcp', port: port + 1, interval: 100 }, log: false,
        run: node(`setTimeout(() => require('net').createServer(() => {}).listen(${port + 1}, '127.0.0.1'), 300)`) },
      { name: 'after', dependsOn: { pm2style: 'ready', httpd: 'ready', tcpd: 'ready' }, log: false, run: `touch after-started; ${keep}` },
      { name: 'stamped', log: { timestamps: 'iso', size: 4096, count: 2 }, run: `echo hello-iso; ${keep}` },
      { name: 'once', restart: { policy: 'on-failure' }, log: false, run: 'echo ran >> once.txt; exit 0' },
      { name: 'later', autostart: false, log: false, run: `touch later-started; ${keep}` },
    ],
  });
  mkdirSync(p.file('sub'));
  writeFileSync(p.file('.env'), '# comment\nBAR="from file"\nFOO=overridden-by-env\n');
  const r = p.run(['up', '-d']);
  assert.equal(r.code, 0, r.stderr);

  await until('envs', () => existsSync(p.file('envs.txt')));
  assert.equal(readFileSync(p.file('envs.txt'), 'utf8').trim(), `from-env|from file|3|${join(p.dir, 'sub')}`);
  await until('nice', () => existsSync(p.file('nice.txt')));
  assert.equal(readFileSync(p.file('nice.txt'), 'utf8').trim(), '7 123');
  await until('uid', () => existsSync(`/tmp/hexad-uid-${process.pid}`));
  assert.equal(readFileSync(`/tmp/hexad-uid-${process.pid}`, 'utf8').trim(), '65534');
  await until('instances', () => existsSync(p.file('inst-a')) && existsSync(p.file('inst-b')));
  assert.equal(readFileSync(p.file('job.txt'), 'utf8'), 'up\n');
  assert.ok(existsSync(p.file('after-started')), 'the dependent of three readiness kinds started');
  assert.equal(existsSync(p.file('later-started')), false, 'autostart false is not started');

  const ls = JSON.parse(p.run(['ls', '--json']).stdout);
  const row = (n: string) => ls.services.find((s: { name: string }) => s.name === n);
  for (const n of ['pm2style', 'httpd', 'tcpd']) assert.equal(row(n).ready, true, `${n} ready`);
  assert.deepEqual(row('workers').instances.map((i: { name: string }) => i.name), ['a', 'b']);

  await until('stamped log', () => readFileSync(join(p.dir, '.hexad/logs/stamped/current'), 'utf8').includes('hello-iso'));
  assert.match(readFileSync(join(p.dir, '.hexad/logs/stamped/current'), 'utf8'), /^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d+  hello-iso$/m);
  const logs = p.run(['logs', '--json', 'workers']);
  assert.deepEqual(logs.stdout.trim().split('\n').map((l) => JSON.parse(l).line).sort(), ['instance a', 'instance b']);

  // on-failure: a clean exit stays down
  await until('once ran', () => existsSync(p.file('once.txt')));
  await new Promise((res) => setTimeout(res, 2500));
  assert.equal(readFileSync(p.file('once.txt'), 'utf8'), 'ran\n', 'not restarted after exit 0');

  assert.equal(p.run(['start', 'later']).code, 0);
  // `start` returns once the service is up (spawned, as s6 means it): its first command may not
  // have run yet
  await until('later started', () => existsSync(p.file('later-started')));

  assert.equal(p.run(['stop', 'graceful']).code, 0);
  await until('SIGINT handled', () => existsSync(p.file('sig.txt')));

  assert.equal(p.run(['scale', 'workers', '3']).code, 0);
  const ls2 = JSON.parse(p.run(['ls', '--json']).stdout);
  assert.deepEqual(ls2.services.find((s: { name: string }) => s.name === 'workers').instances.map((i: { name: string }) => i.name).sort(), ['0', '1', '2']);

  assert.equal(p.run(['down']).code, 0);
  assert.equal(readFileSync(p.file('job.txt'), 'utf8'), 'down\n', 'the oneshot\'s down ran');
});
