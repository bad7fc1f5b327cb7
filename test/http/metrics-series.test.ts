// The labelled series of GET /metrics are kept from one scrape to the next (src/http/series.ts)
// and the /proc files of the services stay open between scrapes (ProcStatReader): a service
// that goes away must leave the text, a restarted one must be read from its new process, and
// nothing of the gone ones may stay open. The scanner runs in this process, so its descriptors
// can be looked at.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { renameSync } from 'node:fs';
import { join } from 'node:path';
import { rmrf, serviceDir, tmp, until } from '../helpers.js';
import { KILL, Scanner } from '../../src/svscan/scanner.js';
import { startHttpServer, type HttpServer } from '../../src/http/server.js';
import { get, heldStats, parseMetrics, sample, type Families } from './http-helpers.js';

const root = tmp('hexad-metrics-series-');
const sc = join(root, 'scan');
const sock = join(root, 'http.sock');
const target = { socketPath: sock };
let scanner: Scanner;
let srv: HttpServer;
let stopped: Promise<void>;

const FAMILIES = ['hexad_service_up', 'hexad_service_ready', 'hexad_service_wanted_up', 'hexad_service_restarts_total',
  'hexad_service_uptime_seconds', 'hexad_service_cpu_seconds_total', 'hexad_service_memory_rss_bytes'];

before(async () => {
  for (const n of ['a', 'b', 'c']) serviceDir(join(sc, n), { run: 'exec sleep 1000' });
  process.chdir(sc);
  let done!: () => void;
  stopped = new Promise((r) => { done = r; });
  scanner = new Scanner({ prog: 'test-svscan', warn: () => {}, maxServices: 100, rescanMs: 0, onStopped: () => done() });
  srv = await startHttpServer(scanner, { address: sock });
  scanner.init();
  scanner.start();
  await until('a, b, c up', () => ['a', 'b', 'c'].every((n) => srv.hub.row(n)?.state === 'up'));
});

after(async () => {
  scanner.stop(true, KILL.term);
  await stopped;
  await srv.close();
  process.chdir('/');
  rmrf(root);
});

const scrape = async (): Promise<Families> => parseMetrics((await get(target, '/metrics')).body);


const services = (m: Families, name: string): string[] => (m.get(name)?.metrics ?? []).map((x) => x.labels!.service).sort();

test('every service in every family; a restart is read from the new process; a removed service leaves the text', { timeout: 60_000 }, async () => {
  let m = await scrape();
  for (const f of FAMILIES) assert.deepEqual(services(m, f), ['a', 'b', 'c'], f);
  const pids = ['a', 'b', 'c'].map((n) => srv.hub.row(n)!.pid!);
  assert.deepEqual(heldStats(), [...pids, process.pid].sort((x, y) => x - y), 'one held stat file per service, and the scanner\'s own');
  m = await scrape();
  assert.deepEqual(heldStats(), [...pids, process.pid].sort((x, y) => x - y), 'the same files at the next scrape');

  // a restarts: its old process's file is let go, its new one read
  srv.hub.supervisor('a')!.command('k');
  const a2 = (await until('a restarted', () => { const r = srv.hub.row('a'); return r?.state === 'up' && r.pid !== pids[0] ? r.pid : null; }))!;
  // posix_spawn returns once the child's exec has begun: until its program is mapped, its
  // /proc/PID/stat can still show an RSS of 0
  m = (await until('a\'s new process has memory', async () => {
    const s = await scrape();
    return sample(s, 'hexad_service_memory_rss_bytes', { service: 'a' })! > 0 ? s : null;
  }))!;
  assert.equal(sample(m, 'hexad_service_restarts_total', { service: 'a' }), 1);
  assert.deepEqual(heldStats(), [a2, pids[1], pids[2], process.pid].sort((x, y) => x - y));

  // b's directory leaves the scan directory; a rescan and an `h` end its supervisor
  renameSync(join(sc, 'b'), join(root, 'b-gone'));
  scanner.scan();
  scanner.kill(KILL.inactive);
  await until('b no longer supervised', () => srv.hub.supervisor('b') === null);
  m = await scrape();
  for (const f of FAMILIES) assert.deepEqual(services(m, f), ['a', 'c'], f);
  assert.equal(sample(m, 'hexad_scanner_supervisors', {}), 2);
  assert.deepEqual(heldStats(), [a2, pids[2], process.pid].sort((x, y) => x - y), 'b\'s file closed');

  // and back: b's series come again
  renameSync(join(root, 'b-gone'), join(sc, 'b'));
  scanner.scan();
  await until('b up again', () => srv.hub.row('b')?.state === 'up');
  m = await scrape();
  for (const f of FAMILIES) assert.deepEqual(services(m, f), ['a', 'b', 'c'], f);
  assert.equal(sample(m, 'hexad_service_up', { service: 'b', kind: 'longrun', instance: '' }), 1);
});

test('the registry\'s JSON has the labels of every series too', async () => {
  await scrape();
  const json = await srv.metrics.registry.getMetricsAsJSON();
  const up = json.find((f) => f.name === 'hexad_service_up')!;
  assert.equal(up.type, 'gauge');
  assert.deepEqual(up.values.map((v) => v.labels).sort((x, y) => String(x.service).localeCompare(String(y.service))),
    ['a', 'b', 'c'].map((service) => ({ service, instance: '', kind: 'longrun' })));
  const cpu = json.find((f) => f.name === 'hexad_service_cpu_seconds_total')!;
  const start = sample(await scrape(), 'hexad_scanner_start_time_seconds', {})!;
  assert.ok(Math.abs(start - (Date.now() / 1000 - process.uptime())) < 2, `start time ${start}, not reset by the scrapes`);
  assert.equal(cpu.type, 'counter');
  assert.equal(cpu.values.length, 3);
});
