// The s6-rc §11.2 transcript on hexad svscan: compile, init, list, dry runs, change up and
// down, prune, help, and the exit codes of the queries.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, lstatSync, readFileSync, readlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { hexad } from '../helpers.js';
import { bundle, deps, infoLines, longrun, oneshot, RcEnv, writeSource } from './rc-helpers.js';

test('transcript: the demo set of §11.1, from compile to -da change', async (t) => {
  const env = await RcEnv.start('hexad');
  t.after(() => env.stop());
  const log = join(env.root, 'oneshot.log');
  writeSource(env.src, {
    database: longrun('sleep 0.1\necho >&3\nexec 3>&-\nexec sleep 1000\n', { 'notification-fd': '3\n' }),
    webapp: longrun(undefined, deps(['database'])),
    'mount-tmp': oneshot(`/bin/sh -c "echo mount-tmp up >> ${log}"\n`, { down: `/bin/sh -c "echo mount-tmp down >> ${log}"\n` }),
    webstack: bundle(['webapp', 'mount-tmp']),
  });
  const compiled = join(env.root, 'compiled');
  const c = hexad(['rc-compile', '-v2', compiled, env.src]);
  assert.equal(c.code, 0);
  assert.deepEqual(c.stderr.split('\n').filter(Boolean), [
    ...['database', 'mount-tmp', 'webapp', 'webstack'].map((n) => `hexad rc-compile: info: parsing ${env.src}/${n}`),
    'hexad rc-compile: info: making bundles for pipelines',
    'hexad rc-compile: info: resolving bundle names',
    'hexad rc-compile: info: resolving service names',
    `hexad rc-compile: info: writing compiled information to ${compiled}`,
  ]);
  assert.equal(hexad(['rc-db', '-c', compiled, 'list', 'all']).stdout, 'mount-tmp\nwebapp\ndatabase\ns6rc-fdholder\ns6rc-oneshot-runner\nwebstack\n');
  const i = env.init(compiled);
  assert.deepEqual([i.code, i.stdout, i.stderr], [0, '', '']);
  assert.match(readlinkSync(env.live), /^live:s6-rc-init:/);
  assert.deepEqual(env.rc(['-a', 'list']), { code: 0, signal: null, stdout: '', stderr: '' });
  for (const name of ['database', 'webapp']) {
    assert.ok(lstatSync(join(env.scandir, name)).isSymbolicLink());
    assert.equal(readlinkSync(join(env.scandir, name)), `${env.live}/servicedirs/${name}`);
    assert.ok(existsSync(join(env.live, 'servicedirs', name, 'down')));
  }
  const L = `${env.live}/servicedirs`;
  const R = `${env.scandir}/.s6-svscan/hexad-runner`;
  const dry = env.rc(['-n0', '-u', 'change', 'webstack']);
  assert.deepEqual([dry.code, dry.stdout], [0, [
    `s6-rc-dryrun: s6-svc -uwU -T 0 -- ${L}/database`,
    's6-rc-dryrun: hexad-internal up  # s6rc-oneshot-runner',
    `s6-rc-dryrun: s6-svc -uwu -T 0 -- ${L}/webapp`,
    `s6-rc-dryrun: hexad-runner -T 0 -- ${R} up 4  # mount-tmp`,
  ].join('\n') + '\n']);
  assert.deepEqual(env.up(), [], 'a dry run changes nothing');
  const timed = env.rc(['-n0', '-t', '5000', '-u', 'change', 'webstack']);
  const t0 = Number(/s6-svc -uwU -T (\d+) -- /.exec(timed.stdout)?.[1]);
  assert.ok(t0 > 0 && t0 <= 5000, 'the time left before the -t deadline');

  const up = env.rc(['-v2', '-u', 'change', 'webstack']);
  assert.equal(up.code, 0, up.stderr);
  const lines = infoLines(up.stderr);
  const want = ['database: starting', 's6rc-oneshot-runner: starting', 's6rc-oneshot-runner successfully started', 'mount-tmp: starting',
    'mount-tmp successfully started', 'database successfully started', 'webapp: starting', 'webapp successfully started'].map((l) => `hexad rc: info: service ${l}`);
  assert.deepEqual([...lines].sort(), [...want].sort());
  const at = (l: string): number => lines.indexOf(`hexad rc: info: service ${l}`);
  assert.ok(at('database: starting') < at('s6rc-oneshot-runner: starting'));
  assert.ok(at('database successfully started') < at('webapp: starting'));
  assert.ok(at('s6rc-oneshot-runner successfully started') < at('mount-tmp: starting'));
  assert.match(up.stderr, /successfully started in \d+ ms/);
  assert.deepEqual(env.up(), ['s6rc-oneshot-runner', 'database', 'webapp', 'mount-tmp']);
  assert.deepEqual(env.rc(['-da', 'list']).stdout, 's6rc-fdholder\n');
  assert.ok(!existsSync(join(env.live, 'servicedirs', 'webapp', 'down')));
  assert.deepEqual(env.rc(['-n0', '-d', 'change', 'database']).stdout,
    `s6-rc-dryrun: s6-svc -dwD -T 0 -- ${L}/webapp\ns6-rc-dryrun: s6-svc -dwD -T 0 -- ${L}/database\n`);
  const down = env.rc(['-v2', '-d', 'change', 'database']);
  assert.deepEqual([down.code, infoLines(down.stderr)], [0, ['webapp: stopping', 'webapp successfully stopped', 'database: stopping',
    'database successfully stopped'].map((l) => `hexad rc: info: service ${l}`)]);
  assert.ok(existsSync(join(env.live, 'servicedirs', 'webapp', 'down')));
  assert.deepEqual(env.up(), ['s6rc-oneshot-runner', 'mount-tmp']);
  assert.deepEqual(env.rc(['-v2', '-d', 'change']), { code: 0, signal: null, stdout: '', stderr: '' });
  const all = env.rc(['-v2', '-da', 'change']);
  assert.deepEqual([all.code, infoLines(all.stderr)], [0, ['mount-tmp: stopping', 'mount-tmp successfully stopped',
    's6rc-oneshot-runner: stopping', 's6rc-oneshot-runner successfully stopped'].map((l) => `hexad rc: info: service ${l}`)]);
  assert.equal(readFileSync(log, 'utf8'), 'mount-tmp up\nmount-tmp down\n');
  assert.deepEqual(env.up(), []);

  // "more runs": start, and a prune dry run from database+webapp up
  const start = env.rc(['-v2', 'start', 'webapp']);
  assert.deepEqual(infoLines(start.stderr), ['database: starting', 'database successfully started', 'webapp: starting',
    'webapp successfully started'].map((l) => `hexad rc: info: service ${l}`));
  assert.deepEqual(env.rc(['-n0', '-pd', 'change', 'database']).stdout, [
    `s6-rc-dryrun: s6-svc -dwD -T 0 -- ${L}/webapp`,
    `s6-rc-dryrun: s6-svc -dwD -T 0 -- ${L}/database`,
    's6-rc-dryrun: hexad-internal up  # s6rc-fdholder',
    's6-rc-dryrun: hexad-internal up  # s6rc-oneshot-runner',
    `s6-rc-dryrun: hexad-runner -T 0 -- ${R} up 4  # mount-tmp`,
  ].join('\n') + '\n');
  assert.deepEqual(env.rc(['-v0', '-n0', '-pd', 'change', 'database']).stdout, '', '-v0 silences the dry run');
  // -pu: exactly mount-tmp and what it needs
  const pu = env.rc(['-pu', 'change', 'mount-tmp']);
  assert.equal(pu.code, 0, pu.stderr);
  assert.deepEqual(env.up(), ['s6rc-oneshot-runner', 'mount-tmp']);
  const pd = env.rc(['-pd', 'change', 'mount-tmp']);
  assert.equal(pd.code, 0, pd.stderr);
  assert.deepEqual(env.up(), ['s6rc-oneshot-runner', 's6rc-fdholder', 'database', 'webapp']);

  // queries: selection before/after closure, --json
  assert.equal(env.rc(['listall', 'webstack']).stdout, 's6rc-oneshot-runner\ndatabase\nwebapp\nmount-tmp\n');
  assert.equal(env.rc(['-d', 'listall', 'database']).stdout, 'database\nwebapp\n');
  assert.equal(env.rc(['list', 'webstack']).stdout, 'webapp\nmount-tmp\n');
  assert.equal(env.rc(['-d', 'list', 'webstack']).stdout, 's6rc-oneshot-runner\ns6rc-fdholder\ndatabase\n');
  assert.deepEqual(JSON.parse(env.rc(['--json', 'list', 'webstack']).stdout), [
    { name: 'webapp', type: 'longrun', up: true }, { name: 'mount-tmp', type: 'oneshot', up: false }]);
  assert.deepEqual(JSON.parse(env.rc(['listall', '--json', 'webapp']).stdout).map((s: { name: string }) => s.name), ['database', 'webapp']);
  assert.equal(env.rc(['-da', 'change']).code, 0);
});

test('transcript: help, usage, unknown names, and bad live directories', async (t) => {
  const env = await RcEnv.start('hexad');
  t.after(() => env.stop());
  env.setup({ a: oneshot('true\n') });
  const help = hexad(['rc', 'help']);
  assert.deepEqual([help.code, help.stdout], [0, [
    'hexad rc help',
    'hexad rc [ -l live ] [ -a ] list [ servicenames... ]',
    'hexad rc [ -l live ] [ -a ] [ -u | -d ] listall [ servicenames... ]',
    'hexad rc [ -l live ] diff',
    'hexad rc [ -l live ] [ -a ] [ -u | -d | -D ] [ -p ] [ -v verbosity ] [ -t timeout ] [ -n dryrunthrottle ] change [ servicenames... ]',
  ].join('\n') + '\n']);
  const unknown = env.rc(['list', 'nosuch']);
  assert.deepEqual([unknown.code, unknown.stderr], [3, `hexad rc: fatal: nosuch is not a recognized identifier in ${env.live}/compiled\n`]);
  assert.equal(env.rc(['change', 'a/b']).code, 3);
  const usage = env.rc(['frobnicate']);
  assert.equal(usage.code, 100);
  assert.match(usage.stderr, /^hexad rc: usage: hexad rc \[ -v verbosity \]/);
  assert.equal(env.rc([]).code, 100);
  assert.equal(env.rc(['-v', 'x', 'list']).code, 100);
  const missing = hexad(['rc', '-l', join(env.root, 'nosuch'), 'list']);
  assert.equal(missing.code, 111);
  assert.match(missing.stderr, /^hexad rc: fatal: unable to take locks on .*\/nosuch: no live state there/);
  // a state file shorter than the database: exit 4, as s6-rc
  writeFileSync(join(env.live, 'state'), '');
  const short = env.rc(['-a', 'list']);
  assert.deepEqual([short.code, short.stderr], [4, `hexad rc: fatal: unable to read valid state in ${env.live}/state\n`]);
  writeFileSync(join(env.live, 'state'), Buffer.alloc(3));
  assert.equal(env.rc(['-a', 'list']).code, 0);
  // the link name s6-rc answers to
  const linked = hexad(['rc', '-l', env.live, 'list', 'a']);
  assert.equal(linked.stdout, 'a\n');
});
