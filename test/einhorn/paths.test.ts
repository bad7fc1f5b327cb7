// Non-root defaults: einhorn's socket, pidfile and lockfile go to the user's runtime directory
// ($XDG_RUNTIME_DIR, else a private per-uid directory), and a lockfile the user cannot open is
// named as the cause. The user is `nobody` (setpriv), the tests run as root.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { chmodSync, chownSync, mkdirSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { RuntimeDirError, userRuntimeDir, userRuntimeDirPath } from '../../src/s6/runtime-dir.js';
import { defaultSocketPath } from '../../src/einhorn/paths.js';
import { Daemon, HEXAD, rmrf, tmp, until } from '../helpers.js';

const NOBODY = 65534;
const ROOT = process.getuid?.() === 0;
const SETPRIV = ['/usr/bin/setpriv', '/bin/setpriv'].find((p) => { try { return statSync(p).isFile(); } catch { return false; } });
const SKIP = ROOT && SETPRIV ? false : 'needs root and setpriv to run as nobody';

function asNobody(args: string[], env: NodeJS.ProcessEnv): string[] {
  return [SETPRIV!, `--reuid=${NOBODY}`, `--regid=${NOBODY}`, '--clear-groups', 'env', '-i', ...Object.entries(env).map(([k, v]) => `${k}=${v}`), process.execPath, HEXAD, ...args];
}

test('userRuntimeDir: $XDG_RUNTIME_DIR when it is the user\'s, else a private per-uid directory, checked', () => {
  const dir = tmp();
  try {
    const uid = process.getuid?.() ?? 0;
    assert.equal(userRuntimeDir({ XDG_RUNTIME_DIR: dir, TMPDIR: '/nonexistent' }, uid), dir);
    const made = userRuntimeDir({ TMPDIR: dir }, uid);
    assert.equal(made, join(dir, `hexad-${uid}`));
    assert.equal(statSync(made).mode & 0o777, 0o700);
    assert.equal(userRuntimeDirPath({ XDG_RUNTIME_DIR: 'relative', TMPDIR: dir }, uid), made);
    chmodSync(made, 0o777);
    assert.throws(() => userRuntimeDir({ TMPDIR: dir }, uid), (e: Error) => e instanceof RuntimeDirError && /writable by other users/.test(e.message));
    if (ROOT) {
      chmodSync(made, 0o700);
      chownSync(made, NOBODY, NOBODY);
      assert.throws(() => userRuntimeDir({ TMPDIR: dir }, uid), /belongs to uid 65534, not to uid 0/);
    }
    // root keeps einhorn's /tmp; $TMPDIR (einhorn's own knob) wins for everyone
    assert.equal(defaultSocketPath('x', {}), ROOT ? '/tmp/einhorn-x.sock' : join(userRuntimeDirPath({}), 'einhorn-x.sock'));
    assert.equal(defaultSocketPath(null, { TMPDIR: '/var/tmp/' }), '/var/tmp/einhorn.sock');
  } finally {
    rmrf(dir);
  }
});

test('as a user: default files in $XDG_RUNTIME_DIR, einhornsh finds them; a foreign lockfile is named as the cause', { skip: SKIP }, async (t) => {
  const dir = tmp();
  t.after(() => rmrf(dir));
  chmodSync(dir, 0o755);
  const xdg = join(dir, 'run-user');
  mkdirSync(xdg, { mode: 0o700 });
  chownSync(xdg, NOBODY, NOBODY);
  const env = { PATH: '/usr/bin:/bin', XDG_RUNTIME_DIR: xdg };
  const [cmd, ...args] = asNobody(['einhorn', '-c', 'paths', '--', '/bin/sleep', '1000'], env);
  const d = new Daemon(cmd, args, {});
  t.after(() => d.stop());
  await until(`socket in XDG_RUNTIME_DIR (stderr: ${d.stderr})`, () => { try { return statSync(join(xdg, 'einhorn-paths.sock')).isSocket(); } catch { return false; } });
  await until('pidfile written', () => { try { return statSync(join(xdg, 'einhorn-paths.pid')).isFile(); } catch { return false; } });
  for (const f of ['einhorn-paths.pid', 'einhorn-paths.lock']) assert.equal(statSync(join(xdg, f)).uid, NOBODY);
  const [c2, ...a2] = asNobody(['einhornsh', '-c', 'paths', '-e', 'ehlo'], env);
  const sh = spawnSync(c2, a2, { encoding: 'utf8' });
  assert.equal(sh.status, 0, sh.stderr);
  assert.match(sh.stdout, /Welcome/);

  // a lockfile root left behind, unreadable by the user: the error names the lock, not the socket
  const lock = join(dir, 'root.lock');
  writeFileSync(lock, '', { mode: 0o600 });
  const [c3, ...a3] = asNobody(['einhorn', '-d', join(xdg, 'other.sock'), '-e', join(xdg, 'other.pid'), '-f', lock, '--', '/bin/true'], env);
  const r = spawnSync(c3, a3, { encoding: 'utf8' });
  assert.equal(r.status, 111);
  assert.equal(r.stderr, `hexad einhorn: fatal: unable to open the lockfile ${lock}: Permission denied (it belongs to another user? pass -f, or -c NAME)\n`);
});
