// examples/einhorn: the example service, run by Debian's real s6-supervise, serves, upgrades
// without a failed request, and stops cleanly on `s6-svc -d`.
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import net from 'node:net';
import { dirname, join } from 'node:path';
import { test } from 'node:test';
import { Daemon, ROOT, hexadAsync, requireS6, rmrf, run, tmp, until } from '../helpers.js';
import { children, get } from './fixture.js';
import { Load } from './load.js';

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = net.createServer().listen(0, '127.0.0.1', () => {
      const p = (s.address() as net.AddressInfo).port;
      s.close(() => resolve(p));
    });
  });
}

test('the example einhorn service under s6-supervise: serve, upgrade under load, stop', { timeout: 120_000 }, async (t) => {
  requireS6();
  const dir = tmp();
  t.after(() => rmrf(dir));
  const port = await freePort();
  const svc = join(dir, 'svc');
  const { mkdirSync } = await import('node:fs');
  mkdirSync(svc);
  // the example's own run script, from its own directory (s6-supervise writes supervise/ here, not in the repository)
  writeFileSync(join(svc, 'run'), `#!/bin/sh\ncd ${JSON.stringify(join(ROOT, 'examples/einhorn/service'))} && exec ./run\n`, { mode: 0o755 });
  const env = { ...process.env, TMPDIR: dir, EINHORN_EXAMPLE_BIND: `127.0.0.1:${port},r`, PATH: `${dirname(process.execPath)}:${process.env.PATH}` };
  const sup = new Daemon('/usr/bin/s6-supervise', [svc], { env });
  t.after(() => sup.stop());
  const sock = join(dir, 'einhorn-hexad-example.sock');
  await until('two workers up', async () => (await children(sock).catch(() => [])).filter((c) => c.acked).length === 2, 30_000);
  const before = await get(port, '/');
  assert.equal((before as unknown as { version: string }).version, '1');
  const load = new Load(port, { concurrency: 4, keepAlive: true, path: '/' });
  const r = await hexadAsync(['einhornsh', '-c', 'hexad-example', '-e', 'upgrade'], { env });
  const res = await load.stop();
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /\nUpgrade done\n$/);
  assert.equal(res.failed, 0, JSON.stringify(res.errors));
  const pids = new Set((await children(sock)).filter((c) => c.signaled.length === 0).map((c) => c.pid));
  assert.ok(!pids.has(before.pid), 'workers replaced');
  assert.equal(run('/usr/bin/s6-svc', ['-d', svc]).code, 0);
  await until('the master gone', () => run('/usr/bin/s6-svstat', ['-o', 'up', svc]).stdout.trim() === 'false', 30_000);
  const st = run('/usr/bin/s6-svstat', ['-o', 'exitcode', svc]).stdout.trim();
  assert.equal(st, '0', 'the master exited 0 after its workers drained');
  run('/usr/bin/s6-svc', ['-x', svc]);
});
