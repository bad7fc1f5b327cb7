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

/** A tool name and its arguments (the service directory is appended), or `['!', shell
 * command]` run in the service directory. Every wait carries a timeout: a difference shows as
 * a mismatch, never as a hang. */
type Step = string[];

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
  if (step[0] !== 'svstat') return out;
  // seconds fields: any number; pids: numbers of two digits or more
  if (step.includes('-t') || step.some((a) => /for/.test(a))) return out.replace(/\d+/g, 'NUM');
  if (!step.some((a) => a.startsWith('-o') || /^-[uwNrpes]+$/.test(a))) return out;
  return out.replace(/\b\d{2,}\b/g, 'NUM');
}

async function runStep(tools: Impl, step: Step, dir: string): Promise<string> {
  const [name, ...args] = step;
  if (name === '!') {
    const r = await runAsync('/bin/sh', ['-c', args[0]], { cwd: dir });
    return `$ ${args[0]}\n[${r.code}]\n`;
  }
  const hasDir = args.includes(DIR_ARG);
  const argv = hasDir ? args.map((a) => (a === DIR_ARG ? dir : a)) : [...args, dir];
  const r = tools === 'hexad'
    ? await runAsync(process.execPath, [HEXAD, name, ...argv], { cwd: dir })
    : await runAsync(`/usr/bin/s6-${name}`, argv, { cwd: dir });
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
const W = '20000';

/** A synchronisation step for commands that do not wait (-p, -c, -O): poll the status with
 * Debian's s6-svstat until the field has the value (bounded). */
function untilField(field: string, value: string): Step {
  return ['!', `i=0; until [ "$(s6-svstat -o ${field} .)" = ${value} ] || [ $i -gt 1000 ]; do i=$((i+1)); sleep 0.02; done`];
}
/** stands for the service directory inside a step's arguments (svlisten1 takes it first) */
const DIR_ARG = '{DIR}';

describe('hexad and s6 are interchangeable', { timeout: 120_000 }, () => {
  test('a plain service through every state', () => compare('plain', { run: '#!/bin/sh\nexec sleep 1000\n' }, [
    ['svwait', '-t', W, '-u'], ['svok'], ['svstat'], ['svstat', FIELDS], ['svstat', '-o', 'u,w,n,r,pa,e,si,sig'],
    ['svstat', '-uwNrpes'], ['svstat', '-t'], ['svstat', '-o', 'updownfor,readyfor'], ['svstat', '-o', 'updownsince,readysince'],
    ['svc', '-p'], untilField('paused', 'true'), ['svstat'], ['svstat', '-o', 'paused'], ['svc', '-c'], untilField('paused', 'false'), ['svstat'],
    ['svc', '-T', W, '-wD', '-d'], ['svstat'], ['svstat', '-n'], ['svstat', FIELDS],
    ['svc', '-T', W, '-wu', '-u'], ['svstat'],
    ['svc', '-O'], untilField('wantedup', 'false'), ['svstat'], ['svc', '-T', W, '-wD', '-k'], ['svstat'], ['svstat', FIELDS],
    ['svc', '-T', W, '-wu', '-o'], ['svstat'],
    ['svc', '-T', W, '-wD', '-D'], ['svstat'], ['svc', '-T', W, '-wu', '-U'], ['svstat'],
    // a timeout long enough for Debian's s6-svwait to set up its s6-ftrigrd helper under load
    ['svwait', '-t', '1500', '-d'],
    ['svc', '-T', W, '-wr', '-r'], ['svstat'],
    ['svc', '-x'], ['svc', '-T', W, '-wD', '-d'], ['svwait', '-t', '1000', '-u'],
  ]));

  test('a service with readiness', () => compare('ready', {
    run: '#!/bin/sh\nsleep 0.2\necho >&3\nexec sleep 1000\n', 'notification-fd': '3\n',
  }, [
    ['svwait', '-t', W, '-U'], ['svstat'], ['svstat', '-o', 'ready,up'], ['svc', '-T', W, '-wR', '-r'], ['svstat'],
    ['svc', '-T', W, '-wD', '-d'], ['svstat', '-o', 'ready,up,wantedup'], ['svc', '-T', W, '-wU', '-u'], ['svstat'],
  ]));

  test('a crashing service with a finish script', () => compare('crash', {
    run: '#!/bin/sh\nsleep 0.1\nexit 3\n', finish: '#!/bin/sh\nexit 0\n',
  }, [
    // once -O is in, the last crash leaves a stable state, whatever the timing before it
    ['svwait', '-t', W, '-u'], ['svwait', '-t', W, '-D'], ['svc', '-O'], untilField('wantedup', 'false'),
    ['svwait', '-t', W, '-D'], ['svstat'], ['svstat', FIELDS],
  ]));

  test('a permanent failure (finish exits 125) while waiting for up and ready', () => compare('perm', {
    run: '#!/bin/sh\nwhile [ ! -e go ]; do sleep 0.05; done\nexit 1\n', finish: '#!/bin/sh\nexit 125\n', 'notification-fd': '3\n',
  }, [
    ['svwait', '-t', W, '-u'], ['svlisten1', '-t', W, '-U', DIR_ARG, 'touch', 'go'], ['svstat'], ['svstat', FIELDS],
    ['svwait', '-t', '1500', '-u'],
  ]));

  test('-wU without notification-fd falls back to -wu with a warning', () => compare('nonotif', {
    run: '#!/bin/sh\nexec sleep 1000\n',
  }, [['svwait', '-t', W, '-u'], ['svc', '-T', W, '-wR', '-r'], ['svstat']]));

  test('a service with ./down', () => compare('down', { run: '#!/bin/sh\nexec sleep 1000\n', down: '' }, [
    ['svwait', '-t', W, '-D'], ['svstat'], ['svstat', FIELDS], ['svc', '-T', W, '-wu', '-u'], ['svstat'],
  ]));

  test('errors: unsupervised directory, bad usage, bad fields', () => compare('unsup', {}, [
    ['svok'], ['svstat'], ['svc', '-u'], ['svwait', '-t', W, '-u'], ['svc', '-Z'], ['svstat', '-o', 'bogus'],
    ['svstat', '-o', ',up'], ['svwait'],
  ]));
});
