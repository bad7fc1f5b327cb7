// rc transition metrics: `rc change` records each transition in LIVE/transitions and /metrics
// reads them at scrape time (hexad_rc_transitions_total, hexad_rc_transition_duration_seconds);
// a torn record is skipped, a fold killed before its unlink counts nothing twice.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { appendFileSync, mkdirSync, readdirSync, readFileSync, realpathSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { project } from '../config/fixture.js';
import { rmrf, tmp } from '../helpers.js';
import { get, parseMetrics, sample } from './http-helpers.js';
import { encodeRecord, readTransitions, TransitionLog } from '../../src/rc/transitions-log.js';

test('rc transitions in /metrics after real rc changes, ok and failed, with durations', { timeout: 180_000 }, async (t) => {
  const p = project(t, {
    apps: [
      { name: 'db', log: false, ready: { type: 'process.send' }, run: [process.execPath, '-e', "setTimeout(() => process.send('ready'), 300); setInterval(() => {}, 1000)"] },
      { name: 'api', log: false, dependsOn: { db: 'ready' }, run: 'exec sleep 1000' },
      { name: 'broken', autostart: false, oneshot: { up: 'exit 3' } },
    ],
  });
  const sock = join(p.dir, 'http.sock');
  assert.equal(p.run(['up', '-d', '--http', sock]).code, 0);
  const scrape = async () => {
    const r = await get({ socketPath: sock }, '/metrics');
    assert.equal(r.status, 200);
    return parseMetrics(r.body);
  };
  let m = await scrape();
  assert.equal(sample(m, 'hexad_rc_transitions_total', { service: 'db', direction: 'up', result: 'ok' }), 1);
  assert.equal(sample(m, 'hexad_rc_transitions_total', { service: 'api', direction: 'up', result: 'ok' }), 1);
  assert.equal(sample(m, 'hexad_rc_transition_duration_seconds', { service: 'db', direction: 'up' }), 1);
  // db waited for readiness (300 ms): its duration is in the buckets above 0.25 s
  const bucket = (le: string) => Number(new RegExp(`^hexad_rc_transition_duration_seconds_bucket\\{le="${le.replace('+', '\\+')}",service="db",direction="up"\\} (\\S+)$`, 'm').exec(m.text)?.[1]);
  assert.equal(bucket('0.25'), 0, m.text);
  assert.equal(bucket('+Inf'), 1);
  const sum = Number(/^hexad_rc_transition_duration_seconds_sum\{service="db",direction="up"\} (\S+)$/m.exec(m.text)?.[1]);
  assert.ok(sum >= 0.3 && sum < 60, String(sum));

  assert.notEqual(p.run(['start', 'broken']).code, 0, 'a failing oneshot fails');
  assert.equal(p.run(['restart', 'api']).code, 0);
  m = await scrape();
  assert.equal(sample(m, 'hexad_rc_transitions_total', { service: 'broken', direction: 'up', result: 'failed' }), 1);
  const apiUp = sample(m, 'hexad_rc_transitions_total', { service: 'api', direction: 'up', result: 'ok' })!;
  const apiDown = sample(m, 'hexad_rc_transitions_total', { service: 'api', direction: 'down', result: 'ok' }) ?? 0;
  assert.ok(apiUp >= 1 && apiUp - apiDown === 1, `api up ${apiUp} down ${apiDown}`);

  // a torn record (a prefix without its end) counts nothing and spoils nothing after it
  const live = realpathSync(join(p.dir, '.hexad/live'));
  const dir = join(live, 'transitions');
  const log = readdirSync(dir).find((n) => n.startsWith('log.'))!;
  appendFileSync(join(dir, log), encodeRecord({ service: 'db', up: true, ok: true, startMs: Date.now(), durationMs: 5 }).slice(0, 12));
  appendFileSync(join(dir, log), encodeRecord({ service: 'torn-test', up: true, ok: true, startMs: Date.now(), durationMs: 5 }));
  appendFileSync(join(dir, log), '\n1 2.000 u 1 9:short\n');
  m = await scrape();
  assert.equal(sample(m, 'hexad_rc_transitions_total', { service: 'db', direction: 'up', result: 'ok' }), 1);
  assert.equal(sample(m, 'hexad_rc_transitions_total', { service: 'torn-test', direction: 'up', result: 'ok' }), 1);
  assert.equal(m.text.includes('short'), false);

  // a new database (rc-update) keeps the counts
  writeFileSync(p.file('hexad.config.json'), readFileSync(p.file('hexad.config.json'), 'utf8').replace('"exec sleep 1000"', '"exec sleep 1001"'));
  assert.equal(p.run(['up', '-d', '--http', sock]).code, 0);
  m = await scrape();
  assert.ok(sample(m, 'hexad_rc_transitions_total', { service: 'db', direction: 'up', result: 'ok' })! >= 1);
  assert.equal(sample(m, 'hexad_rc_transitions_total', { service: 'torn-test', direction: 'up', result: 'ok' }), 1);
});

test('the transition log folds into its sum past its limit; a fold killed before its unlink counts nothing twice', () => {
  const live = tmp('hexad-tlog-');
  try {
    const w = new TransitionLog(live, 300);
    for (let i = 0; i < 20; i++) w.append({ service: `s${i % 3}`, up: i % 2 === 0, ok: i !== 7, startMs: 1000 + i, durationMs: 20 * i });
    w.close();
    const names = readdirSync(join(live, 'transitions')).sort();
    assert.ok(names.includes('sum'), names.join());
    const size = names.filter((n) => n.startsWith('log.')).reduce((a, n) => a + readFileSync(join(live, 'transitions', n)).length, 0);
    assert.ok(size <= 300 + 60, `log stays bounded: ${size}`);
    const total = (s: ReturnType<typeof readTransitions>) => Object.values(s.totals).reduce((a, t) => a + t.ok + t.failed, 0);
    const before = readTransitions(live);
    assert.equal(total(before), 20);
    assert.equal(Object.values(before.totals).reduce((a, t) => a + t.failed, 0), 1);
    // as if killed between the sum's rename and the log's unlink: a log of a folded generation
    const gen = before.gen;
    writeFileSync(join(live, 'transitions', `log.${gen}`), encodeRecord({ service: 's0', up: true, ok: true, startMs: 1, durationMs: 1 }));
    assert.equal(total(readTransitions(live)), 20, 'a folded log is ignored');
    mkdirSync(join(live, 'transitions'), { recursive: true });
  } finally {
    rmrf(live);
  }
});
