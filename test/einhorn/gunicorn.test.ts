// A real server that speaks both socket-passing protocols: Debian's gunicorn (python3-gunicorn).
// Run the einhorn way (`--bind fd://$EINHORN_FD_0`) it must serve under the default environment;
// with --systemd-fds and no --bind it takes the socket from LISTEN_FDS/LISTEN_PID.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { children, get, settled, startMaster } from './fixture.js';
import { rmrf, tmp } from '../helpers.js';

const HAVE_GUNICORN = spawnSync('/usr/bin/python3', ['-c', 'import gunicorn'], { stdio: 'ignore' }).status === 0;
const SKIP = HAVE_GUNICORN ? false : 'python3-gunicorn is not installed';

const APP = `import json, os
def app(environ, start_response):
    body = json.dumps({"pid": os.getppid(), "env": {k: v for k, v in os.environ.items() if k.startswith(("LISTEN_", "EINHORN_FD"))}}).encode()
    start_response("200 OK", [("Content-Type", "application/json"), ("Content-Length", str(len(body)))])
    return [body]
`;

async function serveWithGunicorn(t: { after(f: () => void): void }, opts: string[], bind: string): Promise<void> {
  const dir = tmp();
  t.after(() => rmrf(dir));
  writeFileSync(join(dir, 'app.py'), APP);
  const script = `exec /usr/bin/python3 -m gunicorn --chdir ${dir} -w 1 --graceful-timeout 1 ${bind} app:app`;
  const m = await startMaster(dir, opts, { manual: false, program: ['/bin/sh', '-c', script] });
  t.after(() => m.d.stop());
  const [first] = await settled(m, 1, undefined, 60_000);
  // the einhorn worker (gunicorn's arbiter) answers through its own worker, and keeps doing so
  for (let i = 0; i < 5; i++) {
    const info = await get(m.port);
    assert.equal(info.pid, first.pid, 'served by the first gunicorn arbiter');
  }
  await new Promise((r) => setTimeout(r, 1500));
  const now = await children(m.sock);
  assert.deepEqual(now.map((c) => c.pid), [first.pid], `no respawn (stderr: ${m.d.stderr.slice(-3000)})`);
  assert.doesNotMatch(m.d.stderr, /Bad file descriptor/);
  return undefined;
}

test('gunicorn --bind fd://$EINHORN_FD_0 serves (no systemd variables by default)', { skip: SKIP }, async (t) => {
  await serveWithGunicorn(t, [], '--bind fd://$EINHORN_FD_0');
});

test('gunicorn takes the socket from LISTEN_FDS with --systemd-fds', { skip: SKIP }, async (t) => {
  await serveWithGunicorn(t, ['--systemd-fds'], '');
});
