// The HTTP server under load, with the scanner in this very process so its event loop can be
// watched (perf_hooks.monitorEventLoopDelay): 100 SSE clients, a client that never reads,
// and scrapes while a rescan brings in 1,000 services. The supervisors must keep supervising.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync, chmodSync } from 'node:fs';
import { connect } from 'node:net';
import { join } from 'node:path';
import { monitorEventLoopDelay, performance } from 'node:perf_hooks';
import { rmrf, serviceDir, tmp, until } from '../helpers.js';
import { KILL, Scanner } from '../../src/svscan/scanner.js';
import { startHttpServer, type HttpServer } from '../../src/http/server.js';
import { get, parseMetrics, sample, SseClient } from './http-helpers.js';

const root = tmp('hexad-http-load-');
const sc = join(root, 'scan');
const sock = join(root, 'http.sock');
const target = { socketPath: sock };
let scanner: Scanner;
let srv: HttpServer;
let stopped: Promise<void>;
const warnings: string[] = [];
const delay = monitorEventLoopDelay({ resolution: 5 });

before(async () => {
  serviceDir(join(sc, 'a'), { run: 'exec sleep 1000' });
  serviceDir(join(sc, 'b'), { run: 'exec sleep 1000' });
  // 200 idle services: the `stats` events the flood test relies on are ~20 KB each
  for (let i = 0; i < 200; i++) serviceDir(join(sc, `idle${String(i).padStart(3, '0')}`), { run: 'exec sleep 1000', down: '' });
  process.chdir(sc);
  let done!: () => void;
  stopped = new Promise((r) => { done = r; });
  scanner = new Scanner({ prog: 'test-svscan', warn: (m) => warnings.push(m), maxServices: 5000, rescanMs: 0, onStopped: () => done() });
  srv = await startHttpServer(scanner, { address: sock, events: { statsMs: 25, stallMs: 2000 } });
  scanner.init();
  scanner.start();
  await until('a up', () => srv.hub.row('a')?.state === 'up');
  delay.enable();
});

after(async () => {
  delay.disable();
  scanner.stop(true, KILL.term);
  await stopped;
  await srv.close();
  process.chdir('/');
  rmrf(root);
});

const ms = (ns: number): number => Math.round(ns / 1e5) / 10;

test('100 concurrent SSE clients all get the event; the loop stays responsive', { timeout: 120_000 }, async (t) => {
  const clients = Array.from({ length: 100 }, () => new SseClient(target));
  try {
    await Promise.all(clients.map((c) => c.opened));
    assert.equal(srv.events.size, 100);
    const pid = srv.hub.row('a')!.pid;
    delay.reset();
    const got = clients.map((c) => c.s6('a', 'u'));
    srv.hub.supervisor('a')!.command('ur');
    await Promise.all(got);
    const row = (await until('a up again', () => { const r = srv.hub.row('a'); return r?.state === "up" && r.pid !== pid ? r : null; }))!;
    assert.equal(row.restarts, 1);
    t.diagnostic(`max event-loop delay with 100 clients during a restart: ${ms(delay.max)} ms (p99 ${ms(delay.percentile(99))} ms)`);
    assert.ok(delay.max < 2e9, 'no multi-second block');
  } finally {
    for (const c of clients) c.close();
  }
  await until('clients gone', () => srv.events.size === 0);
});

test('a client that never reads is dropped; memory stays bounded; supervision goes on', { timeout: 120_000 }, async (t) => {
  const heap0 = process.memoryUsage().heapUsed;
  const s = connect(sock);
  s.on('error', () => { /* dropped by the server */ });
  await new Promise<void>((r) => s.once('connect', r));
  s.write('GET /api/events HTTP/1.1\r\nHost: x\r\n\r\n');
  s.pause();
  delay.reset();
  const reader = new SseClient(target); // a good client alongside
  await reader.opened;
  await until('the stalled client dropped', () => srv.events.dropped >= 1, 60_000);
  const heap1 = process.memoryUsage().heapUsed;
  t.diagnostic(`dropped once it had not drained for 2 s; heap ${Math.round(heap0 / 1e6)} → ${Math.round(heap1 / 1e6)} MB; max event-loop delay ${ms(delay.max)} ms`);
  assert.ok(heap1 - heap0 < 64e6, 'heap growth bounded');
  assert.ok(!reader.closed, 'the client that reads stays connected');
  assert.equal(srv.events.size, 1);
  const pid = srv.hub.row('b')!.pid;
  const up = reader.s6('b', 'u');
  srv.hub.supervisor('b')!.command('ur');
  await up;
  assert.notEqual(srv.hub.row('b')!.pid, pid, 'still supervising');
  reader.close();
  s.destroy();
});

test('scrapes during a rescan that adds 1,000 services all succeed and parse', { timeout: 300_000 }, async (t) => {
  for (let i = 0; i < 1000; i++) {
    const d = join(sc, `bulk${String(i).padStart(4, '0')}`);
    mkdirSync(d);
    writeFileSync(join(d, 'run'), '#!/bin/sh\nexec sleep 1000\n');
    chmodSync(join(d, 'run'), 0o755);
    writeFileSync(join(d, 'down'), '');
  }
  const reader = new SseClient(target);
  await reader.opened;
  let scraping = true;
  const scrapes: Array<{ ms: number; series: number; bytes: number }> = [];
  const loop = (async () => {
    while (scraping) {
      const t0 = performance.now();
      const r = await get(target, '/metrics');
      assert.equal(r.status, 200);
      const m = parseMetrics(r.body);
      scrapes.push({ ms: performance.now() - t0, series: m.get('hexad_service_up')?.metrics.length ?? 0, bytes: r.body.length });
    }
  })();
  await until('a scrape before the rescan', () => scrapes.length > 0);
  delay.reset();
  const t0 = performance.now();
  scanner.scan();
  const scanMs = performance.now() - t0;
  await until('1,000 new services in the metrics', () => scrapes.at(-1)!.series >= 1202, 120_000);
  const last = reader.next((m) => m.event === 's6' && JSON.parse(m.data).name === 'bulk0999');
  await last;
  scraping = false;
  await loop;
  const after = scrapes.filter((s) => s.series >= 1202);
  const best = Math.min(...after.map((s) => s.ms));
  t.diagnostic(`rescan of 1,000 services: scan() ${Math.round(scanMs)} ms; max event-loop delay ${ms(delay.max)} ms; ${scrapes.length} scrapes, all parsed; at 1,202 services a scrape takes ${Math.round(best)} ms (fastest), ${after[0].bytes} bytes`);
  const m = parseMetrics((await get(target, '/metrics')).body);
  assert.equal(sample(m, 'hexad_service_wanted_up', { service: 'bulk0500' }), 0);
  assert.equal(sample(m, 'hexad_scanner_supervisors', {}), 1202);
  assert.ok(delay.max / 1e6 < scanMs + 2000, 'nothing but the scan itself blocked the loop');
  reader.close();
});
