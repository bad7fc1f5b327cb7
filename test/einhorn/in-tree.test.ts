// The einhorn master as a supervised service: s6 readiness once its workers ACK, its workers in
// `hexad status` (table and JSON), and a kill -9 of the master never shows a dead master's workers.
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { get as httpGet } from 'node:http';
import { join } from 'node:path';
import { test } from 'node:test';
import { readStatus } from '../../src/s6/status.js';
import { HEXAD, hexad, processAlive, rmrf, serviceDir, tmp, until } from '../helpers.js';
import { serviceUp, svscan } from '../svscan/scan-helpers.js';
import { children, writeWorker } from './fixture.js';

interface Row { name: string; pid: number | null; ready: boolean; workers?: { pid: number; acked: boolean; version: number; index: number }[] }

function scrape(socketPath: string): Promise<string> {
  return new Promise((res, rej) => {
    httpGet({ socketPath, path: '/metrics' }, (r) => {
      let body = '';
      r.setEncoding('utf8');
      r.on('data', (d) => { body += d; });
      r.on('end', () => res(body));
    }).on('error', rej);
  });
}

function web(sc: string): Row {
  const o = JSON.parse(hexad(['status', '--json', sc]).stdout) as { services: Row[] };
  return o.services.find((s) => s.name === 'web')!;
}

test('supervised master: readiness once the workers ACK, workers under it in hexad status, kill -9 safe', { timeout: 120_000 }, async (t) => {
  const root = tmp();
  t.after(() => rmrf(root));
  const work = join(root, 'work');
  serviceDir(work, {});
  writeWorker(work, 'ackfile', '0');
  const sc = join(root, 'scan');
  const sock = join(work, 'einhorn.sock');
  serviceDir(join(sc, 'web'), {
    run: `EINHORN_TEST_MANUAL=1 exec ${JSON.stringify(process.execPath)} ${JSON.stringify(HEXAD)} einhorn -d ${sock} -e ${work}/pid -f ${work}/lock -b 127.0.0.1:0,r -n 2 -m manual -- ${work}/run`,
    'notification-fd': '3',
  });
  const metricsSock = join(root, 'http.sock');
  await svscan(t, sc, ['--http', metricsSock]);
  const master = await serviceUp(join(sc, 'web'));
  const first = await until('2 workers', async () => {
    const k = await children(sock).catch(() => []);
    return k.length === 2 ? k : null;
  });
  t.after(() => {
    for (const c of first!) if (c.pid > 1 && processAlive(c.pid)) process.kill(c.pid, 'SIGKILL');
  });
  await until('workers listed, not acked', () => web(sc).workers?.length === 2);
  assert.equal(readStatus(join(sc, 'web')).ready, false, 'not ready before the ACKs');
  assert.ok(web(sc).workers!.every((w) => !w.acked));
  writeFileSync(join(work, 'go-0'), '');
  await until('ready', () => readStatus(join(sc, 'web')).ready);
  const row = await until('workers acked in status', () => {
    const r = web(sc);
    return r.workers?.length === 2 && r.workers.every((w) => w.acked) ? r : null;
  });
  assert.equal(row!.pid, master);
  assert.deepEqual(row!.workers!.map((w) => w.pid).sort(), first!.map((c) => c.pid).sort());
  const metrics = await scrape(metricsSock);
  assert.match(metrics, /^hexad_einhorn_workers\{service="web"[^}]*\} 2$/m);
  assert.match(metrics, /^hexad_einhorn_workers_acked\{service="web"[^}]*\} 2$/m);
  assert.match(metrics, /^hexad_einhorn_version\{service="web"[^}]*\} 0$/m);
  const table = hexad(['status', sc]).stdout;
  assert.match(table, /^ {2}worker 0 \(v0\)\s+acked\s+\d+/m);
  assert.match(table, /^ {2}worker 1 \(v0\)\s+acked\s+\d+/m);

  // kill -9: the supervisor restarts the master; the dead master's workers are never shown under it
  process.kill(master, 'SIGKILL');
  const again = await until('master restarted', () => {
    const s = readStatus(join(sc, 'web'));
    return s.pid && s.pid !== master ? s.pid : 0;
  });
  const old = new Set(first!.map((c) => c.pid));
  for (let i = 0; i < 20; i++) {
    const r = web(sc);
    if (r.pid === again) for (const w of r.workers ?? []) assert.ok(!old.has(w.pid), 'no worker of the killed master');
    await new Promise((res) => setTimeout(res, 50));
  }
  await until('the new master\'s workers listed', () => web(sc).workers?.length === 2 && web(sc).pid === again);
});
