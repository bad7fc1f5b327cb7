// rc-init: the live directory, its checks, the two s6-rc-init 0.5.4.1 bugs fixed, prefixes;
// and pipelines through hexad svscan's held pipes.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readdirSync, readFileSync, readlinkSync, realpathSync, symlinkSync } from 'node:fs';
import { join } from 'node:path';
import { mkfifo } from '../../src/native/index.js';
import { hexad, until } from '../helpers.js';
import { longrun, oneshot, RcEnv, readyLongrun, writeSource } from './rc-helpers.js';

test('rc-init: arguments, a scan directory without svscan, and nothing left behind', async (t) => {
  const env = await RcEnv.start('hexad');
  t.after(() => env.stop());
  writeSource(env.src, { a: readyLongrun(), b: oneshot('true\n') });
  const { dir } = env.compile();
  const init = (args: string[]): { code: number | null; stderr: string } => {
    const r = hexad(['rc-init', ...args]);
    return { code: r.code, stderr: r.stderr };
  };
  assert.deepEqual(init(['-c', 'rel', '-l', env.live, env.scandir]), { code: 100, stderr: 'hexad rc-init: fatal: rel is not an absolute path\n' });
  assert.equal(init(['-c', dir, '-l', 'rel', env.scandir]).code, 100);
  assert.equal(init(['-c', dir, '-l', env.live, 'rel']).code, 100);
  assert.deepEqual(init(['-c', dir, '-l', env.live, '-p', 'a/b', env.scandir]),
    { code: 100, stderr: 'hexad rc-init: fatal: prefix cannot contain a / or a newline\n' });
  assert.equal(init(['-c', dir]).code, 100);
  const nodb = init(['-c', join(env.root, 'nosuch'), '-l', env.live, env.scandir]);
  assert.deepEqual(nodb, { code: 111, stderr: `hexad rc-init: fatal: unable to open ${join(env.root, 'nosuch')}: No such file or directory\n` });
  mkdirSync(join(env.root, 'empty'));
  assert.equal(init(['-c', join(env.root, 'empty'), '-l', env.live, env.scandir]).code, 4);
  // no svscan on this scan directory
  const lonely = join(env.root, 'lonely');
  mkdirSync(join(lonely, '.s6-svscan'), { recursive: true });
  mkfifo(join(lonely, '.s6-svscan', 'control'), 0o600);   // what a dead svscan leaves
  const r = init(['-c', dir, '-l', env.live, lonely]);
  assert.deepEqual(r, { code: 100, stderr: `hexad rc-init: fatal: unable to supervise service directories in ${env.live}/servicedirs: s6-svscan not running on ${lonely}\n` });
  assert.deepEqual(readdirSync(env.root).filter((f) => f.startsWith('live')).map((f) => [f, readdirSync(join(env.root, f))]).filter(([, c]) => c.length), []);
  assert.deepEqual(readdirSync(lonely), ['.s6-svscan']);
  assert.deepEqual(readdirSync(join(env.root, 'live:servicedirs')), [], 'no service directory left in the store');
});

test('rc-init: a second rc-init keeps the live state; -l with a trailing slash; -d', async (t) => {
  const env = await RcEnv.start('hexad');
  t.after(() => env.stop());
  writeSource(env.src, { a: readyLongrun() });
  const { dir } = env.compile();
  const first = hexad(['rc-init', '-c', dir, '-l', env.live + '/', env.scandir]);
  assert.deepEqual([first.code, first.stderr], [0, '']);
  assert.match(readlinkSync(env.live), /^live:s6-rc-init:/);
  const ch = env.rc(['change', 'a']);
  assert.equal(ch.code, 0, ch.stderr);
  const second = hexad(['rc-init', '-c', dir, '-l', env.live, env.scandir]);
  assert.deepEqual([second.code, second.stderr], [111,
    `hexad rc-init: fatal: unable to create live directory ${env.live}: File exists (use rc-update to switch it to another database)\n`]);
  assert.deepEqual(env.up(), ['a'], 'the live state survived');
  assert.equal(env.rc(['-d', 'change', 'a']).code, 0);
  // -d records the real path of the compiled directory
  symlinkSync(dir, join(env.root, 'current'));
  const other = join(env.root, 'live2');
  const d = hexad(['rc-init', '-d', '-c', join(env.root, 'current'), '-l', other, '-p', 'two-', env.scandir]);
  assert.equal(d.code, 0, d.stderr);
  assert.equal(readlinkSync(join(other, 'compiled')), realpathSync(dir));
  assert.equal(readFileSync(join(other, 'prefix'), 'utf8'), 'two-');
  assert.equal(readlinkSync(join(env.scandir, 'two-a')), `${other}/servicedirs/a`);
  // two live states share the scan directory
  const ch2 = hexad(['rc', '-l', other, 'change', 'a']);
  assert.equal(ch2.code, 0, ch2.stderr);
  assert.deepEqual(env.up(), []);
  await until('two-a up', () => /^up/.test(hexad(['svstat', join(env.scandir, 'two-a')]).stdout));
  assert.equal(hexad(['rc', '-l', other, '-da', 'change']).code, 0);
  // a live link left dangling by a lost live directory is replaced
  const stale = join(env.root, 'stale');
  symlinkSync('stale:s6-rc-init:gone', stale);
  writeSource(join(env.root, 'src3'), { c: oneshot('true\n') });
  const { dir: d3 } = env.compile([join(env.root, 'src3')]);
  const s = hexad(['rc-init', '-c', d3, '-l', stale, env.scandir]);
  assert.equal(s.code, 0, s.stderr);
  assert.ok(existsSync(join(stale, 'state')));
});

test('rc-init: -t gives up when the supervisors do not start', async (t) => {
  const env = await RcEnv.start('hexad');
  t.after(() => {
    env.scanner?.kill('SIGCONT');
    return env.stop();
  });
  writeSource(env.src, { a: readyLongrun() });
  const { dir } = env.compile();
  env.scanner!.kill('SIGSTOP');
  const r = hexad(['rc-init', '-t', '300', '-c', dir, '-l', env.live, env.scandir]);
  env.scanner!.kill('SIGCONT');
  assert.deepEqual({ code: r.code, stderr: r.stderr }, { code: 111, stderr: `hexad rc-init: fatal: unable to supervise service directories in ${env.live}/servicedirs: Connection timed out\n` });
  assert.ok(!existsSync(env.live));
  assert.deepEqual(readdirSync(env.scandir), ['.s6-svscan']);
});

test('pipelines: a producer and its logger through a pipe held by hexad svscan; restarts lose nothing', async (t) => {
  const env = await RcEnv.start('hexad');
  t.after(() => env.stop());
  const out = join(env.root, 'out');
  env.setup({
    prod: longrun('i=0; while :; do i=$((i+1)); echo tick $i; sleep 0.02; done\n', { 'producer-for': 'prodlog\n' }),
    // not cat: cat killed between its read and its write loses what it read; this consumer
    // writes each chunk in the callback that delivers it, and SIGTERM is handled between two
    prodlog: longrun(`exec ${process.execPath} -e "process.on('SIGTERM', () => process.exit(0)); process.stdin.on('data', (d) => require('fs').appendFileSync('${out}', d))"\n`,
      { 'consumer-for': 'prod\n', 'pipeline-name': 'prod-pipeline\n' }),
  });
  assert.equal(readFileSync(join(env.live, 'servicedirs', 'prodlog', 'hexad-pipe-in'), 'utf8'), 'rc:prodlog\n');
  assert.equal(readFileSync(join(env.live, 'servicedirs', 'prod', 'hexad-pipe-out'), 'utf8'), 'rc:prodlog\n');
  const r = env.rc(['-v2', 'change', 'prod-pipeline']);
  assert.equal(r.code, 0, r.stderr);
  const order = r.stderr.split('\n').filter((l) => l.endsWith(': starting')).map((l) => l.split(' ')[4].slice(0, -1));
  assert.deepEqual(order, ['s6rc-fdholder', 'prodlog', 'prod'], 'the consumer starts first');
  const ticks = (): number[] => (existsSync(out) ? readFileSync(out, 'utf8') : '').split('\n').filter(Boolean).map((l) => Number(l.split(' ')[1]));
  await until('ticks in the log', () => ticks().length >= 5);
  hexad(['svc', '-r', join(env.scandir, 'prodlog')]);
  hexad(['svc', '-r', join(env.scandir, 'prod')]);
  await until('ticks from the restarted producer', () => {
    const all = ticks();
    return all.filter((n) => n === 1).length === 2 && all[all.length - 1] >= 5;
  });
  // the consumer's restart lost no line; the producer's restart starts counting again
  const all = ticks();
  let runs = 1;
  for (let k = 1; k < all.length; k++) {
    if (all[k] === 1) runs++;
    else assert.equal(all[k], all[k - 1] + 1, `no line lost around ${all[k - 1]}`);
  }
  assert.equal(runs, 2);
  assert.equal(env.rc(['-da', 'change']).code, 0);
});
