// Compatibility, both ways, with Debian's s6 2.11.3.2. The reference transcript is Debian's
// client tools driving Debian's s6-supervise; the same script is replayed with Debian's tools
// on a hexad supervisor, hexad's tools on a real s6-supervise, and hexad on hexad, each on an
// identical service directory, and every output line and exit code must match (seconds,
// pids and TAI64N labels masked).
import { describe, test, after, before } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { readStatus } from '../../src/s6/status.js';
import { requireS6, rmrf, serviceDir, tmp, until, runAsync, HEXAD, type Daemon } from '../helpers.js';
import { startSupervise, type Impl } from './sv-helpers.js';

before(requireS6);
const root = tmp('hexad-interop-');
after(() => rmrf(root));

type Step = string[]; // tool name and arguments; the service directory is appended

interface Combo { sup: Impl; tools: Impl }
const REFERENCE: Combo = { sup: 's6', tools: 's6' };
const COMBOS: Combo[] = [{ sup: 'hexad', tools: 's6' }, { sup: 's6', tools: 'hexad' }, { sup: 'hexad', tools: 'hexad' }];

function mask(text: string, dir: string): string {
  return text
    .split(dir).join('DIR')
    .replace(/^(s6-[a-z0-9-]+|hexad [a-z0-9-]+): /gm, 'PROG: ')
    .replace(/usage: (s6-[a-z0-9-]+|hexad [a-z0-9-]+) /g, 'usage: PROG ')
    .replace(/fatal: : /g, 'fatal: ') // a stray ": " of Debian's 2.11 binaries, not reproduced
    .replace(/\d+ seconds/g, 'N seconds')
    .replace(/pid \d+/g, 'pid P')
    .replace(/@[0-9a-f]{24}/g, '@TAI');
}

/** The -o pid and updownfor fields vary: replace numbers in field output lines too. */
function maskFields(step: Step, out: string): string {
  if (step[0] !== 'svstat' || !step.some((a) => a.startsWith('-o') || /^-[uwNrpest]+$/.test(a))) return out;
  return out.replace(/\b\d{2,}\b/g, 'NUM');
}

async function runStep(tools: Impl, step: Step, dir: string): Promise<string> {
  const [name, ...args] = step;
  const r = tools === 'hexad'
    ? await runAsync(process.execPath, [HEXAD, name, ...args, dir])
    : await runAsync(`/usr/bin/s6-${name}`, [...args, dir]);
  return `$ ${step.join(' ')}\n[${r.code}]\n${maskFields(step, mask(r.stdout, dir))}${mask(r.stderr, dir)}`;
}

async function transcript(combo: Combo, files: Record<string, string>, steps: Step[], name: string): Promise<string> {
  const dir = serviceDir(join(root, `${name}-${combo.sup}-${combo.tools}`), files);
  let d: Daemon | null = null;
  if (files.run !== undefined) {
    d = startSupervise(combo.sup, dir);
    await until('status', () => readStatus(dir));
  }
  const out: string[] = [];
  try {
    for (const step of steps) out.push(await runStep(combo.tools, step, dir));
  } finally {
    if (d) {
      const pid = (() => { try { return readStatus(dir).pid; } catch { return 0; } })();
      await d.stop();
      if (pid) try { process.kill(-pid, 'SIGKILL'); } catch { /* gone */ }
    }
  }
  return out.join('');
}

async function compare(name: string, files: Record<string, string>, steps: Step[]): Promise<void> {
  const all = await Promise.all([REFERENCE, ...COMBOS].map((c) => transcript(c, files, steps, name)));
  const ref = all[0];
  COMBOS.forEach((c, i) => assert.equal(all[i + 1], ref, `${c.tools} tools on a ${c.sup} supervisor differ from s6 on s6`));
}

const FIELDS = '-o up,wantedup,normallyup,ready,paused,pid,exitcode,signal,signum';

describe('hexad and s6 are interchangeable', () => {
  test('a plain service through every state', () => compare('plain', { run: '#!/bin/sh\nexec sleep 1000\n' }, [
    ['svwait', '-u'], ['svok'], ['svstat'], ['svstat', FIELDS], ['svstat', '-o', 'u,w,n,r,pa,e,si,sig'],
    ['svstat', '-uwNrpest'], ['svstat', '-o', 'updownsince,readysince'],
    ['svc', '-p'], ['svstat'], ['svstat', '-o', 'paused'], ['svc', '-c'], ['svstat'],
    ['svc', '-wD', '-d'], ['svstat'], ['svstat', '-n'], ['svstat', FIELDS],
    ['svc', '-wu', '-u'], ['svstat'],
    ['svc', '-O'], ['svstat'], ['svc', '-wD', '-k'], ['svstat'], ['svstat', FIELDS],
    ['svc', '-wu', '-o'], ['svstat'],
    ['svc', '-wD', '-D'], ['svstat'], ['svc', '-wu', '-U'], ['svstat'],
    ['svwait', '-t', '300', '-d'],
    ['svc', '-wr', '-r'], ['svstat'],
    ['svc', '-x'], ['svc', '-wD', '-d'], ['svwait', '-t', '5000', '-u'],
  ]));

  test('a service with readiness', () => compare('ready', {
    run: '#!/bin/sh\nsleep 0.2\necho >&3\nexec sleep 1000\n', 'notification-fd': '3\n',
  }, [
    ['svwait', '-U'], ['svstat'], ['svstat', '-o', 'ready,up'], ['svc', '-wR', '-r'], ['svstat'],
    ['svc', '-wD', '-d'], ['svstat', '-o', 'ready,up,wantedup'], ['svc', '-wU', '-u'], ['svstat'],
  ]));

  test('a crashing service with a finish script', () => compare('crash', {
    run: '#!/bin/sh\nsleep 0.1\nexit 3\n', finish: '#!/bin/sh\nexit 0\n',
  }, [
    ['svwait', '-D'], ['svstat'], ['svstat', FIELDS], ['svc', '-O'], ['svwait', '-D'], ['svstat'],
  ]));

  test('a permanent failure (finish exits 125) while waiting for up and ready', () => compare('perm', {
    run: '#!/bin/sh\nsleep 0.3\nexit 1\n', finish: '#!/bin/sh\nexit 125\n', 'notification-fd': '3\n',
  }, [
    ['svwait', '-u'], ['svwait', '-U'], ['svstat'], ['svstat', FIELDS], ['svwait', '-t', '300', '-u'],
  ]));

  test('-wU without notification-fd falls back to -wu with a warning', () => compare('nonotif', {
    run: '#!/bin/sh\nexec sleep 1000\n',
  }, [['svwait', '-u'], ['svc', '-wR', '-r'], ['svstat']]));

  test('a service with ./down', () => compare('down', { run: '#!/bin/sh\nexec sleep 1000\n', down: '' }, [
    ['svwait', '-D'], ['svstat'], ['svstat', FIELDS], ['svc', '-wu', '-u'], ['svstat'],
  ]));

  test('errors: unsupervised directory, bad usage, bad fields', () => compare('unsup', {}, [
    ['svok'], ['svstat'], ['svc', '-u'], ['svwait', '-u'], ['svc', '-Z'], ['svstat', '-o', 'bogus'],
    ['svstat', '-o', ',up'], ['svwait'],
  ]));
});
