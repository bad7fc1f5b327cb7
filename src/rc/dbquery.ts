// rc-db: read-only queries on a compiled database (s6-rc-db's subcommands and outputs).
import { Fatal } from '../s6/diag.js';
import { checkPipelines, findCycle } from './compile.js';
import type { Database } from './db.js';

export const DB_COMMANDS = ['help', 'check', 'list', 'type', 'timeout', 'contents', 'dependencies', 'pipeline', 'script',
  'flags', 'atomics', 'all-dependencies'] as const;

export function dbHelp(prog: string): string {
  return [
    'help', 'check', 'list all|services|oneshots|longruns|bundles', 'type servicename', '[ -u | -d ] timeout atomicname',
    'contents bundlename', '[ -u | -d ] dependencies servicename...', 'pipeline longrunname', '[ -u | -d ] script oneshotname',
    'flags atomicname', 'atomics servicename...', '[ -u | -d ] all-dependencies servicename...',
  ].map((l) => `${prog} ${l}\n`).join('');
}

/** Runs one query; returns what goes to stdout. `what` names the database in messages. */
export function dbQuery(db: Database, what: string, command: string, args: string[], up: boolean): string {
  const names = (idx: Iterable<number>): string => [...idx].map((i) => db.services[i].name + '\n').join('');
  const unknown = (name: string): Fatal => new Fatal(3, `${name} is not a valid identifier in ${what}`);
  const atomicOf = (name: string): number | 'bundle' => {
    const i = db.atomic(name);
    if (i !== undefined) return i;
    if (db.bundle(name)) return 'bundle';
    throw unknown(name);
  };
  const wrong = (name: string, represents: string): Fatal => new Fatal(5, `in database ${what}: identifier ${name} ${represents}`);
  const union = (list: string[], f: (i: number, set: Uint8Array) => void, closure: boolean): string => {
    const set = new Uint8Array(db.n);
    for (const name of list) {
      const r = db.resolve(name);
      if (!r) throw unknown(name);
      for (const i of r) f(i, set);
    }
    if (closure) db.close(set, up);
    const out: number[] = [];
    for (let i = db.n - 1; i >= 0; i--) if (set[i]) out.push(i);
    return names(out);
  };

  switch (command) {
    case 'check': {
      const cycle = findCycle(db.services.map((s) => s.deps));
      if (cycle) {
        throw new Fatal(4, `invalid service database in ${what}: dependency cycle reached from ${db.services[cycle[0]].name} and involving ${db.services[cycle[1]].name}`);
      }
      const consumer = db.services.slice(0, db.nlong).map((s) => s.consumer ?? -1);
      const producers = db.services.slice(0, db.nlong).map((s) => s.producers ?? []);
      const p = checkPipelines(db.nlong, consumer, producers);
      if (p) {
        throw new Fatal(4, `invalid service database in ${what}: pipeline ${p.kind} reached from ${db.services[p.left].name} and involving ${db.services[p.right].name}`);
      }
      return '';
    }
    case 'list': {
      const all = [...Array(db.n).keys()];
      const bundlesLastFirst = db.bundles.map((b) => b.name).reverse();
      switch (args[0]) {
        case 'all': return names(all.reverse()) + bundlesLastFirst.map((b) => b + '\n').join('');
        case 'services': return names(all);
        case 'oneshots': return names(all.slice(db.nlong));
        case 'longruns': return names(all.slice(0, db.nlong));
        case 'bundles': return bundlesLastFirst.map((b) => b + '\n').join('');
      }
      throw new Fatal(100, 'usage');
    }
    case 'type': {
      const t = db.typeOf(args[0]);
      if (!t) throw unknown(args[0]);
      return t + '\n';
    }
    case 'timeout': {
      const i = atomicOf(args[0]);
      if (i === 'bundle') throw wrong(args[0], 'represents a bundle');
      return `${db.services[i].timeout[up ? 1 : 0]}\n`;
    }
    case 'contents': {
      const i = db.atomic(args[0]);
      if (i !== undefined) throw wrong(args[0], 'represents an atomic service');
      const b = db.bundle(args[0]);
      if (!b) throw unknown(args[0]);
      return names(b.contents);
    }
    case 'dependencies':
      return union(args, (i, set) => { for (const j of up ? db.services[i].deps : db.services[i].rdeps) set[j] = 1; }, false);
    case 'pipeline': {
      let i = atomicOf(args[0]);
      if (i === 'bundle' || i >= db.nlong) throw wrong(args[0], 'does not represent a longrun');
      while (db.services[i].consumer !== undefined) i = db.services[i].consumer!;
      let out = '';
      const rec = (c: number): void => {
        for (const p of db.services[c].producers ?? []) {
          rec(p);
          out += `${db.services[p].name} | ${db.services[c].name}\n`;
        }
      };
      rec(i);
      return out;
    }
    case 'script': {
      const i = atomicOf(args[0]);
      if (i === 'bundle') throw wrong(args[0], 'represents a bundle');
      if (i < db.nlong) throw wrong(args[0], 'represents a longrun service');
      const argv = (up ? db.services[i].up : db.services[i].down) ?? [];
      return argv.map((w) => w + '\0').join('');
    }
    case 'flags': {
      const i = atomicOf(args[0]);
      if (i === 'bundle') throw wrong(args[0], 'represents a bundle');
      return db.services[i].flags.toString(16).padStart(8, '0') + '\n';
    }
    case 'atomics':
      return union(args, (i, set) => { set[i] = 1; }, false);
    case 'all-dependencies':
      return union(args, (i, set) => { set[i] = 1; }, true);
  }
  throw new Fatal(100, 'usage');
}
