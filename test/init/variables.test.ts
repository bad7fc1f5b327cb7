// Each S6_* variable changes what it should; bad input is one line and nothing runs.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { rmrf, tmp, until } from '../helpers.js';
import { canUnshare, runInit, trace, writeTree } from './init-helpers.js';

const base = tmp('hexad-init-vars-');
after(() => rmrf(base));
let n = 0;
const newRoot = (files: Record<string, string>): string => {
  const root = join(base, `r${n++}`);
  writeTree(root, files);
  return root;
};
const skip = !canUnshare && 'needs root and unshare';
const infoLines = (s: string): string[] => s.split('\n').filter((l) => l.includes(': info: '));
const nonInfo = (s: string): string[] => s.split('\n').filter((l) => l && !l.includes(': info: '));

const CONT_INIT = { 'etc/cont-init.d/01-a': '#!/bin/sh\necho cont-init >> @TRACE@\n' };

for (const [name, value] of [
  ['S6_BEHAVIOUR_IF_STAGE2_FAILS', '3'], ['S6_CMD_WAIT_FOR_SERVICES', 'yes'], ['S6_CMD_WAIT_FOR_SERVICES_MAXTIME', '5s'],
  ['S6_SERVICES_GRACETIME', '-1'], ['S6_KILL_GRACETIME', 'x'], ['S6_KILL_FINISH_MAXTIME', '1.5'], ['S6_KEEP_ENV', '2'],
  ['S6_LOGGING', '3'], ['S6_VERBOSITY', 'loud'], ['S6_READ_ONLY_ROOT', 'true'], ['S6_SYNC_DISKS', '01'],
]) {
  test(`${name}=${value}: one line, exit 100, nothing started`, { skip }, async () => {
    const root = newRoot(CONT_INIT);
    const r = await runInit(root, ['/bin/true'], { [name]: value });
    assert.equal(r.code, 100);
    assert.equal(r.stderr, `hexad init: fatal: invalid ${name} value: ${value}: ${r.stderr.split(`${value}: `)[1]}`);
    assert.equal(r.stderr.split('\n').length, 2);
    assert.deepEqual(trace(root), []);
    assert.ok(!existsSync(join(root, 'run')));
  });
}

test('a CMD that does not exist: one line, 127, nothing started', { skip }, async () => {
  const root = newRoot(CONT_INIT);
  const r = await runInit(root, ['no-such-program-here']);
  assert.equal(r.code, 127);
  assert.equal(r.stderr, 'hexad init: fatal: unable to run CMD no-such-program-here: not found or not executable\n');
  assert.deepEqual(trace(root), []);
});

test('a root with none of the folders and no CMD: one line, 100', { skip }, async () => {
  const root = newRoot({ 'etc/hostname': 'x\n' });
  const r = await runInit(root, []);
  assert.equal(r.code, 100);
  assert.match(r.stderr, /^hexad init: fatal: nothing to run: .* has no etc\/cont-init\.d, etc\/s6-overlay\/s6-rc\.d or etc\/services\.d, and no CMD was given\n$/);
  const r2 = await runInit(join(base, 'missing'), ['/bin/true']);
  assert.equal(r2.code, 100);
  assert.match(r2.stderr, /^hexad init: fatal: root directory .*missing does not exist\n$/);
});

test('S6_BEHAVIOUR_IF_STAGE2_FAILS: a failing cont-init script', { skip }, async () => {
  const files = {
    'etc/cont-init.d/01-fail': '#!/bin/sh\necho fail >> @TRACE@\nexit 4\n',
    'etc/cont-init.d/02-next': '#!/bin/sh\necho next >> @TRACE@\n',
    'etc/cont-finish.d/01-bye': '#!/bin/sh\necho finish >> @TRACE@\n',
  };
  for (const [b, code, tr, warn] of [
    ['0', 6, ['fail', 'next', 'cmd', 'finish'], false],
    ['1', 6, ['fail', 'next', 'cmd', 'finish'], true],
    ['2', 1, ['fail', 'finish'], false],
  ] as const) {
    const root = newRoot(files);
    const r = await runInit(root, ['/bin/sh', '-c', `echo cmd >> ${root}/trace; exit 6`], { S6_BEHAVIOUR_IF_STAGE2_FAILS: b });
    assert.equal(r.code, code, `behaviour ${b}: ${r.stderr}`);
    assert.deepEqual(trace(root), tr, `behaviour ${b}`);
    assert.equal(/warning: stage 2 failed/.test(r.stderr), warn, r.stderr);
    if (b === '2') assert.match(r.stderr, /^hexad init: fatal: stage 2 failed: .*01-fail exited 4: stopping the container$/m);
  }
});

test('an s6-rc.d tree with a cycle: stage 2 fails, exit 1, CMD never runs', { skip }, async () => {
  const root = newRoot({
    'etc/s6-overlay/s6-rc.d/a/type': 'oneshot\n', 'etc/s6-overlay/s6-rc.d/a/up': 'true\n', 'etc/s6-overlay/s6-rc.d/a/dependencies.d/b': '',
    'etc/s6-overlay/s6-rc.d/b/type': 'oneshot\n', 'etc/s6-overlay/s6-rc.d/b/up': 'true\n', 'etc/s6-overlay/s6-rc.d/b/dependencies.d/a': '',
    'etc/s6-overlay/s6-rc.d/user/contents.d/a': '',
  });
  const r = await runInit(root, ['/bin/sh', '-c', `echo cmd >> ${root}/trace`]);
  assert.equal(r.code, 1, r.stderr);
  assert.deepEqual(trace(root), []);
  assert.deepEqual(nonInfo(r.stderr).map((l) => l.replace(/:.*/, '')), ['hexad rc-compile', 'hexad init']);
  assert.match(r.stderr, /cyclic/);
});

test('S6_CMD_ARG0 is put before CMD', { skip }, async () => {
  const root = newRoot(CONT_INIT);
  const r = await runInit(root, ['exit 9'], { S6_CMD_ARG0: '/bin/sh -c' });
  assert.equal(r.code, 9, r.stderr);
});

test('S6_KEEP_ENV: the tree gets a minimal environment and with-contenv gives the container\'s back; with 1, everything has it', { skip }, async () => {
  const files = {
    'etc/cont-init.d/01-plain': '#!/bin/sh\necho "plain=${MY_SETTING:-unset}" >> @TRACE@\n',
    'etc/cont-init.d/02-contenv': `#!/bin/sh\nexec ${process.execPath} ${join(process.cwd(), 'bin/hexad.js')} with-contenv /bin/sh -c 'echo "contenv=\${MY_SETTING:-unset}" >> @TRACE@'\n`,
  };
  let root = newRoot(files);
  let r = await runInit(root, ['/bin/sh', '-c', `echo "cmd=\${MY_SETTING:-unset}" >> ${root}/trace`], { MY_SETTING: 'v 1' });
  assert.equal(r.code, 0, r.stderr);
  assert.deepEqual(trace(root), ['plain=unset', 'contenv=v 1', 'cmd=v 1']);
  assert.equal(readFileSync(join(root, 'run/s6/container_environment/MY_SETTING'), 'utf8'), 'v 1');
  root = newRoot(files);
  r = await runInit(root, ['/bin/true'], { MY_SETTING: 'v 2', S6_KEEP_ENV: '1' });
  assert.equal(r.code, 0, r.stderr);
  assert.deepEqual(trace(root), ['plain=v 2', 'contenv=v 2']);
});

test('S6_CMD_WAIT_FOR_SERVICES waits for readiness; with S6_CMD_WAIT_FOR_SERVICES_MAXTIME a service never ready fails stage 2', { skip }, async () => {
  const files = {
    'etc/services.d/db/run': '#!/bin/sh\nsleep 1\necho db-ready >> @TRACE@\necho >&3\nexec 3>&-\nexec sleep 1000\n',
    'etc/services.d/db/notification-fd': '3\n',
  };
  let root = newRoot(files);
  let r = await runInit(root, ['/bin/sh', '-c', `echo cmd >> ${root}/trace`], { S6_CMD_WAIT_FOR_SERVICES: '1' });
  assert.equal(r.code, 0, r.stderr);
  assert.deepEqual(trace(root), ['db-ready', 'cmd']);
  root = newRoot({ ...files, 'etc/services.d/db/run': '#!/bin/sh\nexec sleep 1000\n' });
  r = await runInit(root, ['/bin/sh', '-c', `echo cmd >> ${root}/trace`], { S6_CMD_WAIT_FOR_SERVICES: '1', S6_CMD_WAIT_FOR_SERVICES_MAXTIME: '1000' });
  assert.equal(r.code, 1, r.stderr);
  assert.deepEqual(trace(root), []);
  assert.match(r.stderr, /did not come ready/);
});

test('S6_KILL_FINISH_MAXTIME bounds each cont-finish script', { skip }, async () => {
  const root = newRoot({
    'etc/cont-finish.d/01-slow': '#!/bin/sh\necho slow >> @TRACE@\nsleep 100\necho never >> @TRACE@\n',
    'etc/cont-finish.d/02-next': '#!/bin/sh\necho next >> @TRACE@\n',
  });
  const r = await runInit(root, ['/bin/true'], { S6_KILL_FINISH_MAXTIME: '300' });
  assert.equal(r.code, 0, r.stderr);
  assert.deepEqual(trace(root), ['slow', 'next']);
  assert.match(r.stderr, /01-slow timed out and was killed/);
});

test('S6_STAGE2_HOOK runs first and may patch the s6-rc sources before they are compiled', { skip }, async () => {
  const root = newRoot({
    ...CONT_INIT,
    'etc/s6-overlay/s6-rc.d/extra/type': 'oneshot\n',
    'etc/s6-overlay/s6-rc.d/extra/up': '@ROOT@/extra-up\n',
    'extra-up': '#!/bin/sh\necho extra >> @TRACE@\n',
    'etc/s6-overlay/s6-rc.d/user/contents.d/': '',
  });
  const r = await runInit(root, ['/bin/true'], { S6_STAGE2_HOOK: `echo hook >> ${root}/trace; touch ${root}/etc/s6-overlay/s6-rc.d/user/contents.d/extra` });
  assert.equal(r.code, 0, r.stderr);
  assert.deepEqual(trace(root), ['hook', 'cont-init', 'extra']);
});

test('S6_LOGGING=1: the tree\'s output goes to run/uncaught-logs, CMD\'s stays on stdout', { skip }, async () => {
  const root = newRoot({ 'etc/cont-init.d/01-talk': '#!/bin/sh\necho from-cont-init\n' });
  const r = await runInit(root, ['/bin/sh', '-c', 'echo from-cmd'], { S6_LOGGING: '1' });
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stdout, 'from-cmd\n');
  const current = readFileSync(join(root, 'run/uncaught-logs/current'), 'utf8');
  assert.match(current, /from-cont-init/);
  assert.doesNotMatch(current, /  from-cmd$/m);
});

test('S6_VERBOSITY=0 prints nothing but errors; S6_SYNC_DISKS=1 syncs at the end; etc/ is never written', { skip }, async () => {
  const root = newRoot({ ...CONT_INIT, 'etc/services.d/svc/run': '#!/bin/sh\nexec sleep 1000\n' });
  const r = await runInit(root, ['/bin/true'], { S6_VERBOSITY: '0', S6_READ_ONLY_ROOT: '1' });
  assert.equal(r.code, 0, r.stderr);
  assert.deepEqual(infoLines(r.stderr), []);
  assert.deepEqual(readdirSync(join(root, 'etc/services.d/svc')), ['run']);
  const r2 = await runInit(root, ['/bin/true'], { S6_SYNC_DISKS: '1' });
  assert.match(r2.stderr, /syncing disks/);
  await until('nothing', () => true);
});
