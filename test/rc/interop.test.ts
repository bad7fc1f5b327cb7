// hexad rc on Debian's s6-svscan and s6-supervise: the rc tools speak the s6 on-disk
// interface only, so a real s6 supervision tree runs hexad's longruns.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { hexad, run, until } from '../helpers.js';
import { bundle, deps, infoLines, longrun, oneshot, RcEnv, writeSource } from './rc-helpers.js';

const pidOf = (dir: string): number => Number(/^up \(pid (\d+)\)/.exec(run('/usr/bin/s6-svstat', [dir]).stdout)?.[1] ?? 0);

test('interop: longruns on Debian s6-svscan: init, change, diff, update', async (t) => {
  const env = await RcEnv.start('s6', 'hexad-rc-s6-');
  t.after(() => env.stop());
  env.setup({
    database: longrun('sleep 0.1\necho >&3\nexec 3>&-\nexec sleep 1000\n', { 'notification-fd': '3\n' }),
    webapp: longrun(undefined, deps(['database'])),
    stack: bundle(['webapp']),
  });
  const up = env.rc(['-v2', 'change', 'stack']);
  assert.deepEqual([up.code, infoLines(up.stderr)], [0, ['database: starting', 'database successfully started', 'webapp: starting',
    'webapp successfully started'].map((l) => `hexad rc: info: service ${l}`)]);
  const st = run('/usr/bin/s6-svstat', ['-o', 'up,ready,normallyup', join(env.scandir, 'database')]);
  assert.equal(st.stdout, 'true true true\n', 'rc removed ./down once the service was up');
  run('/usr/bin/s6-svc', ['-d', join(env.scandir, 'webapp')]);
  await until('the diff to show webapp', () => env.rc(['diff']).stdout === '-webapp\n');
  assert.equal(env.rc(['diff']).code, 1);
  run('/usr/bin/s6-svc', ['-u', join(env.scandir, 'webapp')]);
  await until('the diff to clear', () => env.rc(['diff']).code === 0);
  // an update keeps database running under the same s6-supervise and restarts webapp
  const dbPid = pidOf(join(env.scandir, 'database'));
  writeSource(join(env.root, 'src2'), {
    database: longrun('sleep 0.1\necho >&3\nexec 3>&-\nexec sleep 1000 # v2\n', { 'notification-fd': '3\n' }),
    webapp2: longrun(undefined, deps(['database'])),
    stack: bundle(['webapp2']),
    extra: oneshot('true\n'),
  });
  const { dir: c2 } = env.compile([join(env.root, 'src2')]);
  const u = hexad(['rc-update', '-l', env.live, c2]);
  assert.equal(u.code, 0, u.stderr);
  assert.equal(pidOf(join(env.scandir, 'database')), dbPid);
  assert.match(readFileSync(join(env.live, 'servicedirs', 'database', 'run'), 'utf8'), /# v2/);
  assert.deepEqual(env.up(), ['database']);
  assert.equal(env.rc(['change', 'webapp2']).code, 0);
  assert.ok(pidOf(join(env.scandir, 'webapp2')) > 0);
  const down = env.rc(['-v2', '-da', 'change']);
  assert.deepEqual([down.code, infoLines(down.stderr)], [0, ['webapp2: stopping', 'webapp2 successfully stopped', 'database: stopping',
    'database successfully stopped'].map((l) => `hexad rc: info: service ${l}`)]);
  assert.equal(run('/usr/bin/s6-svstat', ['-o', 'up', join(env.scandir, 'database')]).stdout, 'false\n');
  // oneshots need hexad svscan's runner: on s6-svscan they fail clearly
  const o = env.rc(['change', 'extra']);
  assert.equal(o.code, 1);
  assert.match(o.stderr, /service s6rc-oneshot-runner: unable to connect to .*hexad-runner: No such file or directory \(is the scan directory run by hexad svscan\?\)/);
  assert.match(readFileSync(join(env.live, 'servicedirs', 'database', 'notification-fd'), 'utf8'), /^3\n$/);

});
