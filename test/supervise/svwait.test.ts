// svwait's -a / -o over several services, and -r / -R (a restart: down first, then up).
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { hexad, hexadAsync, hexadDaemon, rmrf, serviceDir, tmp, until } from '../helpers.js';
import { status, supervised, upPid } from './sv-helpers.js';

const root = tmp('hexad-svwait-');

/** Whether a listener (svwait) has subscribed to DIR's event/ fifodir: the svc that follows
 * must not act before, or the change it causes would happen before svwait listens. */
const listening = (dir: string) => () => readdirSync(join(dir, 'event')).some((n) => n.startsWith('ftrig1:'));
after(() => rmrf(root));

test('svwait -a waits for all, -o for one; -r and -R wait for a restart', { timeout: 60_000 }, async (t) => {
  const a = serviceDir(join(root, 'a'), { run: 'exec sleep 1000' });
  const b = serviceDir(join(root, 'b'), { run: 'exec sleep 1000', down: '' });
  const r = serviceDir(join(root, 'r'), { run: 'echo >&3; exec sleep 1000', 'notification-fd': '3' });
  for (const d of [a, b, r]) {
    const sup = hexadDaemon(['supervise', d]);
    t.after(() => sup.stop());
    await supervised(d);
  }
  await upPid(a);
  await until('r ready', () => status(r).ready);
  assert.equal(hexad(['svwait', '-t', '300', '-u', a, b]).code, 99, '-a (default): b is down');
  assert.equal(hexad(['svwait', '-t', '5000', '-o', '-u', a, b]).code, 0, '-o: a is up');
  assert.equal(hexad(['svwait', '-t', '5000', '-o', '-d', a, b]).code, 0, '-o -d: b is down');
  const both = hexadAsync(['svwait', '-t', '20000', '-a', '-u', a, b]);
  await until('svwait listening on b', listening(b));
  hexad(['svc', '-u', b]);
  assert.equal((await both).code, 0);
  // -r: first down, then up again; -R: then ready too
  const restarted = hexadAsync(['svwait', '-t', '20000', '-R', r]);
  const pid = status(r).pid;
  await until('svwait listening on r', listening(r));
  hexad(['svc', '-k', r]);
  assert.equal((await restarted).code, 0);
  assert.notEqual(status(r).pid, pid);
  assert.ok(status(r).ready);
  const r2 = hexadAsync(['svwait', '-t', '20000', '-r', a]);
  await until('svwait listening on a', listening(a));
  hexad(['svc', '-r', a]);
  assert.equal((await r2).code, 0);
  assert.equal(hexad(['svwait']).code, 100);
});
