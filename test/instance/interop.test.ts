// Interop, both ways, with Debian's s6 2.11.3.2: Debian's s6-instance-* tools on an instanced
// service made by hexad instance-maker and supervised by hexad svscan, and hexad's tools on one
// made by Debian's s6-instance-maker (its run is execline) under Debian's s6-svscan. The
// reference transcript is Debian's tools on Debian's tree; every other combination must print
// the same lines and exit codes (pids, seconds, paths and program names masked).
import { describe, test, after, before } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { requireS6, rmrf, tmp } from '../helpers.js';
import { itool, Tree, type Impl } from './util.js';

before(requireS6);
const root = tmp('hexad-iinterop-');
after(() => rmrf(root));

interface Combo { tree: Impl; tools: Impl }
const W = '20000';
/** a step: tool name and arguments, SVC standing for the instanced service */
const STEPS: string[][] = [
  ['create', 'SVC', 'foo'], ['create', '-d', 'SVC', 'bar'], ['create', '-D', '-t', W, 'SVC', 'baz'], ['list', 'SVC'],
  ['control', '-T', W, '-wu', '-u', 'SVC', 'foo'], ['status', 'SVC', 'foo'], ['status', 'SVC', 'bar'], ['status', 'SVC', 'baz'],
  ['status', '-o', 'up,wantedup,normallyup,ready,paused,pid', 'SVC', 'foo'], ['status', '-uwN', 'SVC', 'baz'],
  ['control', '-T', W, '-wD', '-d', 'SVC', 'foo'], ['status', 'SVC', 'foo'],
  ['control', '-T', W, '-wU', '-u', 'SVC', 'baz'], ['status', '-o', 'up,normallyup', 'SVC', 'baz'],
  ['status', 'SVC', 'nope'], ['control', '-u', 'SVC', 'nope'],
  ['create', 'SVC', 'foo'], ['create', 'SVC', '.x'], ['create', 'SVC', 'a b'], ['status', 'SVC', 'a\tb'], ['delete', 'SVC', ''],
  ['delete', 'SVC', 'baz'], ['delete', 'SVC', 'nope'], ['list', 'SVC'],
  ['delete', '-t', W, 'SVC', 'foo'], ['delete', 'SVC', 'bar'], ['list', 'SVC'],
];

function mask(text: string, svc: string): string {
  return text
    .split(svc).join('SVC')
    .replace(/^(s6-[a-z0-9-]+|hexad [a-z0-9-]+): /gm, 'PROG: ')
    .replace(/usage: (s6-[a-z0-9-]+|hexad [a-z0-9-]+) /g, 'usage: PROG ')
    .replace(/fatal: : /g, 'fatal: ')
    .replace(/\d+ seconds/g, 'N seconds')
    .replace(/pid \d+/g, 'pid P')
    .replace(/(true|false) (true|false) (true|false) (true|false) (true|false) \d+/, '$1 $2 $3 $4 $5 PID');
}

async function transcript(c: Combo): Promise<{ text: string; stderr: string }> {
  const tree = new Tree(join(root, `${c.tree}-tree-${c.tools}-tools`));
  const svc = tree.make('inst', { run: 'echo "$1 started"\nexec sleep 1000\n', 'log/run': 'exec cat > out\n' }, { maker: c.tree });
  await tree.start(c.tree);
  const out: string[] = [];
  try {
    for (const step of STEPS) {
      const [name, ...args] = step;
      const r = itool(c.tools, name, args.map((a) => (a === 'SVC' ? svc : a)));
      // instance-list prints in directory order: compare sorted
      const stdout = name === 'list' ? r.stdout.split('\n').filter(Boolean).sort().map((l) => l + '\n').join('') : r.stdout;
      out.push(`$ ${step.join(' ')}\n[${r.code}]\n${mask(stdout, svc)}${mask(r.stderr, svc)}`);
    }
  } finally {
    out.push(`left behind: ${(await tree.stop()).length}\n`);
  }
  return { text: out.join(''), stderr: tree.stderr };
}

describe('instance tools: hexad and s6 are interchangeable', { timeout: 150_000 }, () => {
  let reference = '';
  before(async () => {
    reference = (await transcript({ tree: 's6', tools: 's6' })).text;
    if (process.env.SHOW_TRANSCRIPT) process.stderr.write(reference);
  });

  for (const c of [{ tree: 'hexad', tools: 's6' }, { tree: 's6', tools: 'hexad' }, { tree: 'hexad', tools: 'hexad' }] as Combo[]) {
    test(`${c.tools}'s tools on ${c.tree === 's6' ? 'an s6-instance-maker service under s6-svscan' : 'a hexad instance-maker service under hexad svscan'}`, async () => {
      const t = await transcript(c);
      assert.equal(t.text, reference, t.stderr);
    });
  }

  test('the reference transcript is what s6 2.11 prints', () => {
    assert.match(reference, /\$ list SVC\n\[0\]\nbar\nbaz\nfoo\n/);
    assert.match(reference, /\$ status SVC bar\n\[0\]\ndown \(exitcode 0\) N seconds, normally up, ready N seconds\n/);
    assert.match(reference, /\$ status SVC baz\n\[0\]\ndown \(exitcode 0\) N seconds, ready N seconds\n/);
    assert.match(reference, /\$ create SVC foo\n\[100\]\nPROG: fatal: instance appears to already exist at SVC\/instances\/foo\n/);
    assert.match(reference, /\$ delete SVC nope\n\[0\]\n/);
    assert.match(reference, /left behind: 0\n$/);
  });
});
