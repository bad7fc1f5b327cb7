// hexad tai64nlocal against Debian's s6-tai64nlocal, and the stamp helpers it shares with
// the logger.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { HEXAD } from '../helpers.js';
import { LabelConverter } from '../../src/log/tai64nlocal.js';
import { OutBuf } from '../../src/log/outbuf.js';
import { formatNanos, formatSeconds, labelOf, scanLabel, unixFromTai } from '../../src/log/stamp.js';

const S6 = '/usr/bin/s6-tai64nlocal';
if (!existsSync(S6)) throw new Error("Debian's s6-tai64nlocal is not installed: apt-get install s6");

const INPUT = [
  '@400000006b01f6102b0c3a01 a logged line',
  '@400000006B01F6102B0C3A01 upper case hex',
  '@400000006b01f6102b0c3a01',
  '@40000000680000000000000 one digit short',
  '@4000000068000000ffffffff nanoseconds over a second',
  '@400000003fffffff00000000 2004',
  '@3fffffffffffffff00000000 before 2^62',
  '@400000000000000a00000000 the epoch',
  '@400000000000000900000000 before the epoch',
  '@40000000368c1a1f00000000 around 1999',
  '@40000000368c101e00000000 just before the leap second',
  '@40000000368c101f00000000 the leap second 1998-12-31 23:59:60',
  '@40000000368c102000000000 just after',
  '@400007ffffffffff00000000 far future',
  ' @400000006b01f6102b0c3a01 not at the start',
  'no label at all',
  '',
  '@400000006b01f6102b0c3a01 2026-11-21 19:50:03.722221569  stamped twice',
].join('\n') + '\n@400000006b01f6102b0c3a01 last line without newline';

function run(cmd: string, args: string[], input: string, tz: string): string {
  const r = spawnSync(cmd, args, { input: Buffer.from(input, 'latin1'), env: { ...process.env, TZ: tz } });
  assert.equal(r.status, 0, String(r.stderr));
  return r.stdout.toString('latin1');
}

for (const tz of ['UTC', 'America/New_York', 'Asia/Kolkata']) {
  for (const g of [[], ['-g']]) {
    test(`tai64nlocal ${g.join(' ')} matches s6-tai64nlocal in ${tz}`, () => {
      const ours = run(process.execPath, [HEXAD, 'tai64nlocal', ...g], INPUT, tz);
      assert.equal(ours, run(S6, g, INPUT, tz));
    });
  }
}

test('tai64nlocal: a label split across reads, and the 25-byte edge', () => {
  const conv = new LabelConverter(false);
  const out = new OutBuf(16);
  const text = Buffer.from('@400000006b01f6102b0c3a01 x\n@400000006b01f6102b0c3a01\n@400000006b01f6102b0c3a01', 'latin1');
  for (let i = 0; i < text.length; i += 3) {
    const chunk = text.subarray(i, i + 3);
    conv.feed(chunk, chunk.length, out);
  }
  conv.end(out);
  const lt = '2026-11-21 19:50:03.722221569';
  assert.equal(out.buf.toString('latin1', 0, out.len), `${lt} x\n${lt}\n@400000006b01f6102b0c3a01`);
});

test('stamps: labels, leap seconds, nanoseconds', () => {
  const l = labelOf(1795288136, 123456789);
  assert.equal(l.toString(), '@400000006b01ec6d075bcd15');
  const [tai, ns] = scanLabel(l, 0)!;
  assert.deepEqual(unixFromTai(tai), { unix: 1795288136, leap: false });
  assert.equal(ns, 123456789);
  assert.equal(scanLabel(Buffer.from('@40000000zz000000000000000'), 0), null);
  // 1998-12-31 23:59:60 UTC, the inserted second before 1999
  assert.deepEqual(unixFromTai(915148821 + 10), { unix: 915148800, leap: true });
  assert.equal(formatSeconds(915148800, false, true), '1998-12-31 23:59:60');
  assert.equal(formatSeconds(0, false), '1970-01-01 00:00:00');
  assert.equal(formatNanos(5), '000000005');
  assert.equal(formatNanos(4294967295), '429496729');
});

test('tai64nlocal: a reader that goes away ends it quietly, as SIGPIPE ends s6-tai64nlocal', async () => {
  const child = spawn(process.execPath, [HEXAD, 'tai64nlocal'], { stdio: ['pipe', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr!.on('data', (d: Buffer) => { stderr += d; });
  child.stdin!.on('error', () => { /* it stopped reading */ });
  child.stdout!.once('data', () => child.stdout!.destroy());
  child.stdin!.end('@400000006b01f6102b0c3a01 line\n'.repeat(200_000));
  const code = await new Promise((resolve) => child.on('exit', resolve));
  assert.equal(code, 141);
  assert.equal(stderr, '');
});
