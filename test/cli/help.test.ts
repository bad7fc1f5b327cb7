// Help and mistakes: real help text, the nearest command, option-like directories refused,
// a directory that is not a scan directory, s6 names keeping s6's behaviour.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { hexad, rmrf, run, serviceDir, tmp, until } from '../helpers.js';
import { svscan } from '../svscan/scan-helpers.js';

const root = tmp('hexad-help-');
after(() => rmrf(root));

test('hexad --help and hexad help COMMAND print real help and exit 0', () => {
  for (const args of [['--help'], ['-h'], ['help']]) {
    const r = hexad(args);
    assert.equal(r.code, 0);
    assert.match(r.stdout, /^usage: hexad COMMAND/);
    assert.match(r.stdout, /svc +send commands to a supervisor/);
    assert.match(r.stdout, /hexad help COMMAND/);
  }
  for (const args of [['help', 'svc'], ['svc', '--help'], ['help', 's6-svc']]) {
    const r = hexad(args);
    assert.equal(r.code, 0, args.join(' '));
    assert.match(r.stdout, /^usage: hexad svc \[ -wu/);
    assert.match(r.stdout, /\noptions:\n/);
    assert.match(r.stdout, /\nexit codes:\n {2}0 +sent/);
    assert.match(r.stdout, /\ndocumentation: .*docs\/supervision\.md\n/);
    assert.ok(existsSync(/documentation: (.*)\n/.exec(r.stdout)![1]), 'the doc page exists');
  }
  for (const c of ['status', 'links', 'einhorn', 'rc', 'log', 'instance-create']) {
    const r = hexad([c, '--help']);
    assert.equal(r.code, 0, c);
    assert.match(r.stdout, new RegExp(`^usage: hexad ${c} `));
  }
});

test('an unknown command suggests the nearest one', () => {
  const r = hexad(['statsu']);
  assert.equal(r.code, 100);
  assert.equal(r.stderr, 'hexad: fatal: unknown command: statsu (did you mean status?); hexad --help lists the commands\n');
  assert.match(hexad(['svstta']).stderr, /did you mean svstat\?/);
  assert.match(hexad(['help', 'svcc']).stderr, /did you mean svc\?/);
});

test('s6 names through their links keep s6 behaviour; links refuses an option-like directory', () => {
  const bin = join(root, 'bin');
  assert.equal(hexad(['links', bin]).code, 0);
  const svc = run(join(bin, 's6-svc'), ['--help']);
  assert.equal(svc.code, 100, 'a usage error, as s6-svc --help');
  assert.match(svc.stderr, /^s6-svc: usage: s6-svc /);
  const links = hexad(['links', '--nope'], { cwd: root });
  assert.equal(links.code, 100);
  assert.equal(existsSync(join(root, '--nope')), false);
});

test('status on a directory that is neither a scan nor a service directory: exit 100, says so', () => {
  const plain = join(root, 'plain');
  mkdirSync(join(plain, 'sub'), { recursive: true });
  const r = hexad(['status', plain]);
  assert.equal(r.code, 100);
  assert.match(r.stderr, /^hexad status: fatal: .*plain is not a scan directory .* nor a service directory/);
  assert.doesNotMatch(r.stderr, /\n.+\n/, 'one line');
});

test('status says why a down service is down: spawn error, permanent failure', { timeout: 60_000 }, async (t) => {
  const sc = join(root, 'scan');
  serviceDir(join(sc, 'norun'), { run: 'exec sleep 1000' });
  serviceDir(join(sc, 'giveup'), { run: 'exit 3', finish: 'exit 125' });
  // run is not executable: the spawn fails
  run('chmod', ['-x', join(sc, 'norun', 'run')]);
  await svscan(t, sc);
  await until('both reasons recorded', () => {
    const o = JSON.parse(hexad(['status', '--json', sc]).stdout);
    return o.services.every((s: { downReason?: string | null }) => typeof s.downReason === 'string');
  });
  const o = JSON.parse(hexad(['status', '--json', sc]).stdout);
  const by = (n: string) => o.services.find((s: { name: string }) => s.name === n);
  assert.match(by('norun').downReason, /unable to exec run: Permission denied/);
  assert.match(by('giveup').downReason, /finish exited 125: permanent failure/);
  const table = hexad(['status', sc]).stdout;
  assert.match(table, /\nnotes:\n/);
  assert.match(table, /norun: unable to exec run: Permission denied/);
  // the reason goes once the service runs
  run('chmod', ['+x', join(sc, 'norun', 'run')]);
  await until('norun up without a reason', () => {
    const s = JSON.parse(hexad(['status', '--json', sc]).stdout).services.find((x: { name: string }) => x.name === 'norun');
    return s.state === 'up' && s.downReason === null;
  }, 30_000);
});
