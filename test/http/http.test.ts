// hexad svscan --http: /metrics parsed by a Prometheus text parser from npm and changing when
// the tree changes, the status API, the event stream, the token on actions, and bad input.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:net';
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { hexad, hexadAsync, rmrf, serviceDir, tmp, until } from '../helpers.js';
import { svscan, serviceUp } from '../svscan/scan-helpers.js';
import { get, http, parseMetrics, sample, SseClient, type Families, type Target } from './http-helpers.js';

const root = tmp('hexad-http-');
after(() => rmrf(root));

async function served(target: Target): Promise<void> {
  await until('the HTTP server', async () => (await get(target, '/api/services').catch(() => null))?.status === 200);
}

async function scrapeUntil(target: Target, what: string, pred: (m: Families) => boolean): Promise<Families> {
  return (await until(what, async () => {
    const m = await scrape(target);
    return pred(m) ? m : null;
  }))!;
}

async function scrape(target: Target): Promise<Families> {
  const r = await get(target, '/metrics');
  assert.equal(r.status, 200);
  assert.match(String(r.headers['content-type']), /^text\/plain/);
  return parseMetrics(r.body);
}

test('metrics: every family parses, and values follow restarts, readiness, exits and signals', { timeout: 120_000 }, async (t) => {
  const sc = join(root, 'm');
  const sock = join(root, 'm.sock');
  const flag = join(root, 'm-ready');
  serviceDir(join(sc, 'web'), {
    run: `while [ ! -e ${flag} ]; do sleep 0.05; done; echo >&3; echo started; exec sleep 1000`,
    'notification-fd': '3',
    'log/run': 'exec cat >/dev/null',
  });
  serviceDir(join(sc, 'crash'), { run: 'exit 3' });
  serviceDir(join(sc, 'killed'), { run: 'kill -9 $$' });
  serviceDir(join(sc, 'idle'), { run: 'exec sleep 1000', down: '' });
  await svscan(t, sc, ['--http', sock]);
  const target = { socketPath: sock };
  await served(target);
  await serviceUp(join(sc, 'web'));

  let m = await scrape(target);
  const web = { service: 'web', kind: 'longrun', instance: '' };
  for (const name of ['hexad_service_up', 'hexad_service_ready', 'hexad_service_wanted_up', 'hexad_service_restarts_total',
    'hexad_service_uptime_seconds', 'hexad_service_cpu_seconds_total', 'hexad_service_memory_rss_bytes',
    'hexad_scanner_cpu_seconds_total', 'hexad_scanner_memory_rss_bytes', 'hexad_scanner_supervisors']) {
    assert.ok(m.has(name), `family ${name}`);
  }
  assert.equal(m.get('hexad_service_restarts_total')!.type, 'COUNTER');
  assert.equal(sample(m, 'hexad_service_up', web), 1);
  assert.equal(sample(m, 'hexad_service_ready', web), 0, 'not ready before it says so');
  assert.equal(sample(m, 'hexad_service_wanted_up', { service: 'idle' }), 0);
  assert.equal(sample(m, 'hexad_service_up', { service: 'web', kind: 'logger' }), 1, 'the logger has its own series');
  assert.ok(sample(m, 'hexad_service_memory_rss_bytes', web)! > 0, 'rss read from /proc');
  assert.equal(sample(m, 'hexad_scanner_supervisors', {}), 5);

  writeFileSync(flag, '');
  m = await scrapeUntil(target, 'web ready in the metrics', (x) => sample(x, 'hexad_service_ready', web) === 1);
  assert.equal(m.get('hexad_service_ready_latency_seconds')!.type, 'HISTOGRAM');
  assert.equal(sample(m, 'hexad_service_ready_latency_seconds', web), 1, 'one readiness observed');
  assert.equal(sample(m, 'hexad_service_restarts_total', web), 0);

  assert.equal(hexad(['svc', '-r', join(sc, 'web')]).code, 0);
  m = await scrapeUntil(target, 'restarts_total 1', (x) => sample(x, 'hexad_service_restarts_total', web) === 1 && sample(x, 'hexad_service_ready', web) === 1);
  assert.equal(sample(m, 'hexad_service_last_signal', web), 15, 'svc -r sent SIGTERM');
  assert.equal(sample(m, 'hexad_service_ready_latency_seconds', web), 2);

  m = await scrapeUntil(target, 'crash and killed have died', (x) => sample(x, 'hexad_service_last_exit_code', { service: 'crash' }) === 3 && sample(x, 'hexad_service_last_signal', { service: 'killed' }) === 9);
  assert.equal(sample(m, 'hexad_service_last_signal', { service: 'crash' }), 0);
  assert.equal(sample(m, 'hexad_service_last_exit_code', { service: 'killed' }), undefined, 'no exit code when a signal killed it');

  // web's logger (`exec cat`) is a process: only hosted loggers have counters (test/svscan/hosted-logger)
  assert.equal(m.get('hexad_logger_bytes_total')?.metrics.length ?? 0, 0);

  const status = JSON.parse((await get(target, '/api/status')).body);
  assert.equal(status.schema, 'hexad.status/1');
  assert.deepEqual(status.services.map((s: { name: string }) => s.name), ['crash', 'idle', 'killed', 'web']);
  const w = status.services.find((s: { name: string }) => s.name === 'web');
  assert.equal(w.state, 'up');
  assert.equal(w.live.restarts, 1);

  const tail = JSON.parse((await get(target, '/api/services/web/log')).body);
  assert.ok(tail.error || Array.isArray(tail.lines));
  assert.equal((await get(target, '/nope')).status, 404);
});

test('events: an s6 event reaches an SSE client with its service, time and new row', { timeout: 60_000 }, async (t) => {
  const sc = join(root, 'e');
  const sock = join(root, 'e.sock');
  serviceDir(join(sc, 'a'), { run: 'exec sleep 1000' });
  serviceDir(join(sc, 'b'), { run: 'exec sleep 1000' });
  await svscan(t, sc, ['--http', sock]);
  const target = { socketPath: sock };
  await served(target);
  await serviceUp(join(sc, 'a'));
  const c = new SseClient(target);
  t.after(() => c.close());
  await c.opened;
  const snap = JSON.parse(c.messages[0].data);
  assert.deepEqual(snap.rows.map((r: { name: string }) => r.name), ['a', 'b']);

  const down = c.s6('a', 'd');
  const sent = Date.now();
  assert.equal(hexad(['svc', '-d', join(sc, 'a')]).code, 0);
  const m = await down;
  const d = JSON.parse(m.data);
  assert.equal(d.service, 'a');
  assert.equal(d.what, 'down');
  assert.ok(d.time >= sent - 1000 && d.time <= m.at, 'event time is the time of the change');
  assert.equal(d.row.wantUp, false);
  t.diagnostic(`event delivered ${m.at - d.time} ms after the state change (${m.at - sent} ms after svc was started)`);
  const fin = await c.s6('a', 'D', 0);
  assert.equal(JSON.parse(fin.data).row.state, 'down');
  const up = c.s6('a', 'u');
  assert.equal(hexad(['svc', '-u', join(sc, 'a')]).code, 0);
  assert.equal(JSON.parse((await up).data).row.state, 'up');
});

test('actions: refused without a token file, with no token or a wrong one; done with the right one', { timeout: 60_000 }, async (t) => {
  const sc = join(root, 'a');
  const sock = join(root, 'a.sock');
  const open = join(root, 'a-open.sock');
  serviceDir(join(sc, 'svc'), { run: 'exec sleep 1000' });
  const tokenFile = join(root, 'token');
  writeFileSync(tokenFile, 's3cret-token\n');
  await svscan(t, sc, ['--http', sock, '--http-token-file', tokenFile]);
  const target = { socketPath: sock };
  await served(target);
  const pid = await serviceUp(join(sc, 'svc'));

  const post = (headers: Record<string, string>, action = 'restart', name = 'svc') => http(target, 'POST', `/api/services/${name}/${action}`, headers);
  let r = await post({});
  assert.equal(r.status, 401);
  assert.match(String(r.headers['www-authenticate']), /Bearer/);
  assert.equal((await post({ authorization: 'Bearer wrong' })).status, 401);
  assert.equal((await post({ authorization: 'Bearer s3cret-token-and-more' })).status, 401);
  assert.equal((await post({ authorization: 'Bearer s3cret-toke' })).status, 401);
  assert.notEqual(await serviceUp(join(sc, 'svc')), 0);

  const c = new SseClient(target);
  t.after(() => c.close());
  await c.opened;
  const restarted = c.s6('svc', 'u');
  r = await post({ authorization: 'Bearer s3cret-token' });
  assert.equal(r.status, 200, r.body);
  await restarted;
  assert.notEqual(await serviceUp(join(sc, 'svc')), pid);
  assert.equal((await post({ authorization: 'Bearer s3cret-token' }, 'restart', 'nosuch')).status, 404);
  assert.equal((await post({ authorization: 'Bearer s3cret-token' }, 'explode')).status, 404);
  const downed = c.s6('svc', 'd');
  assert.equal((await post({ 'x-hexad-token': 's3cret-token' }, 'down')).status, 200);
  await downed;

  // no token file at all: every action is refused
  const sc2 = join(root, 'a2');
  serviceDir(join(sc2, 'svc'), { run: 'exec sleep 1000' });
  await svscan(t, sc2, ['--http', open]);
  await served({ socketPath: open });
  r = await http({ socketPath: open }, 'POST', '/api/services/svc/down', { authorization: 'Bearer anything' });
  assert.equal(r.status, 401);
  assert.match(r.body, /--http-token-file/);
});

test('bad input: malformed address, address in use, token file problems: one line, exit code, nothing touched', { timeout: 60_000 }, async () => {
  const sc = join(root, 'bad');
  serviceDir(join(sc, 'svc'), { run: 'exec sleep 1000' });
  for (const addr of ['localhost:http', '1.2.3.4:99999', ':', 'fe80::1:80', '[nope]:80', 'a b:80', '']) {
    const r = hexad(['svscan', '--http', addr, sc]);
    assert.equal(r.code, 100, `${addr}: ${r.stderr}`);
    assert.match(r.stderr, /^hexad svscan: fatal: invalid --http address: .*\n$/);
  }
  assert.equal(existsSync(join(sc, '.s6-svscan')), false, 'the scan directory was not touched');

  const busy: Server = createServer();
  await new Promise<void>((res) => busy.listen(0, '127.0.0.1', res));
  const port = (busy.address() as { port: number }).port;
  try {
    const r = await hexadAsync(['svscan', '--http', `127.0.0.1:${port}`, sc]);
    assert.equal(r.code, 111);
    assert.equal(r.stderr, `hexad svscan: fatal: unable to listen on 127.0.0.1:${port}: Address already in use\n`);
    assert.equal(existsSync(join(sc, '.s6-svscan')), false);
    const r2 = await hexadAsync(['svscan', '--http', String(port), sc]);
    assert.equal(r2.code, 111, 'a bare port is 127.0.0.1');
  } finally {
    busy.close();
  }
  let r = hexad(['svscan', '--http-token-file', '/nonexistent', sc]);
  assert.equal(r.code, 100);
  r = hexad(['svscan', '--http', join(root, 'bad.sock'), '--http-token-file', join(root, 'nonexistent'), sc]);
  assert.equal(r.code, 111);
  assert.match(r.stderr, /^hexad svscan: fatal: unable to read token file .*: No such file or directory\n$/);
  writeFileSync(join(root, 'empty-token'), '\n');
  r = hexad(['svscan', '--http', join(root, 'bad.sock'), '--http-token-file', join(root, 'empty-token'), sc]);
  assert.equal(r.code, 100);
  assert.equal(existsSync(join(sc, '.s6-svscan')), false);
});
