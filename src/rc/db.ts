// The compiled database: hexad's own versioned format. A compiled directory holds
//   db.json        this file's content (format name, version, services, bundles)
//   lock           fcntl lock target (compile writes it exclusively, readers share it)
//   servicedirs/   one s6 service directory per user longrun
// Indices follow s6-rc's rules: longruns first (s6rc-oneshot-runner 0, s6rc-fdholder 1, then
// user longruns in parse order), then oneshots in parse order; they decide `list` order.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Fatal, errText } from '../s6/diag.js';
import { exists } from './files.js';

export const DB_FORMAT = 'hexad-rc-db';
export const DB_VERSION = 1;
export const DB_FILE = 'db.json';
export const RUNNER = 's6rc-oneshot-runner';
export const FDHOLDER = 's6rc-fdholder';
export const FLAG_ESSENTIAL = 1;

export type AtomicType = 'longrun' | 'oneshot';

export interface DbService {
  name: string;
  type: AtomicType;
  /** s6rc-oneshot-runner and s6rc-fdholder: no service directory, handled by hexad svscan */
  internal?: boolean;
  flags: number;
  /** [down, up] in ms, 0 = none */
  timeout: [number, number];
  /** direct dependencies, ascending indices */
  deps: number[];
  /** direct dependents, ascending indices */
  rdeps: number[];
  /** longruns in a pipeline: the consumer's index, and the producers' */
  consumer?: number;
  producers?: number[];
  /** oneshots: the execline-lexed argvs */
  up?: string[];
  down?: string[];
}

export interface DbBundle {
  name: string;
  /** atomic members, ascending indices */
  contents: number[];
}

export interface DbFile {
  format: string;
  version: number;
  nlong: number;
  services: DbService[];
  /** in definition order (user bundles by parse order, then pipeline bundles) */
  bundles: DbBundle[];
}

/** A loaded database, with its name index. */
export class Database {
  readonly n: number;
  readonly nlong: number;
  readonly services: DbService[];
  readonly bundles: DbBundle[];
  private readonly atomics = new Map<string, number>();
  private readonly bundleIndex = new Map<string, number>();

  constructor(readonly dir: string, file: DbFile) {
    this.services = file.services;
    this.bundles = file.bundles;
    this.nlong = file.nlong;
    this.n = file.services.length;
    this.services.forEach((s, i) => this.atomics.set(s.name, i));
    this.bundles.forEach((b, i) => this.bundleIndex.set(b.name, i));
  }

  isLongrun(i: number): boolean {
    return i < this.nlong;
  }

  /** Index of an atomic service, or undefined. */
  atomic(name: string): number | undefined {
    return this.atomics.get(name);
  }

  bundle(name: string): DbBundle | undefined {
    const i = this.bundleIndex.get(name);
    return i === undefined ? undefined : this.bundles[i];
  }

  /** The atomic services a name stands for; null when the name is unknown. */
  resolve(name: string): number[] | null {
    const i = this.atomics.get(name);
    if (i !== undefined) return [i];
    const b = this.bundle(name);
    return b ? b.contents : null;
  }

  typeOf(name: string): 'longrun' | 'oneshot' | 'bundle' | undefined {
    const i = this.atomics.get(name);
    if (i !== undefined) return this.services[i].type;
    return this.bundleIndex.has(name) ? 'bundle' : undefined;
  }

  /** Marks the closure of `sel` in place: dependencies (up) or dependents (down). */
  close(sel: Uint8Array, up: boolean): void {
    const stack: number[] = [];
    for (let i = 0; i < this.n; i++) if (sel[i]) stack.push(i);
    while (stack.length) {
      const i = stack.pop()!;
      for (const j of up ? this.services[i].deps : this.services[i].rdeps) {
        if (!sel[j]) {
          sel[j] = 1;
          stack.push(j);
        }
      }
    }
  }

  toFile(): DbFile {
    return { format: DB_FORMAT, version: DB_VERSION, nlong: this.nlong, services: this.services, bundles: this.bundles };
  }
}

export const dbPath = (compiled: string): string => join(compiled, DB_FILE);

/** Loads and validates `compiled/db.json`. Errors: Fatal 111 when unreadable, 4 when invalid
 * or of a newer format (`what` names the database in messages). */
export function loadDb(compiled: string, what = compiled): Database {
  let text: string;
  try {
    text = readFileSync(dbPath(compiled), 'utf8');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') {
      let isS6rc = false;
      try {
        isS6rc = exists(join(compiled, 'resolve.cdb'));
      } catch { /* keep the first error */ }
      if (isS6rc) throw new Fatal(4, `invalid service database in ${what}: this is an s6-rc database; compile the sources with hexad rc-compile`);
      try {
        readFileSync(compiled);
      } catch (e2) {
        if ((e2 as NodeJS.ErrnoException).code !== 'EISDIR') throw new Fatal(111, `unable to open ${what}: ${errText(e2)}`);
      }
      throw new Fatal(4, `invalid service database in ${what}: no ${DB_FILE}`);
    }
    throw new Fatal(111, `unable to read ${what}/${DB_FILE}: ${errText(e)}`);
  }
  let file: DbFile;
  try {
    file = JSON.parse(text) as DbFile;
  } catch {
    throw new Fatal(4, `invalid service database in ${what}: ${DB_FILE} is not valid JSON`);
  }
  const problem = validate(file);
  if (problem) throw new Fatal(4, `invalid service database in ${what}: ${problem}`);
  return new Database(compiled, file);
}

const isIndexList = (x: unknown, n: number): boolean =>
  Array.isArray(x) && x.every((v, k) => Number.isInteger(v) && v >= 0 && v < n && (k === 0 || v > (x[k - 1] as number)));
const isStringList = (x: unknown): boolean => Array.isArray(x) && x.every((v) => typeof v === 'string');

function validate(f: DbFile): string | null {
  if (!f || typeof f !== 'object' || f.format !== DB_FORMAT) return 'not a hexad database';
  if (!Number.isInteger(f.version) || f.version < 1) return 'bad format version';
  if (f.version > DB_VERSION) return `format version ${f.version} is newer than the version this hexad reads (${DB_VERSION})`;
  if (!Array.isArray(f.services) || !Array.isArray(f.bundles)) return 'missing tables';
  const n = f.services.length;
  if (!Number.isInteger(f.nlong) || f.nlong < 2 || f.nlong > n) return 'bad service counts';
  const names = new Set<string>();
  for (let i = 0; i < n; i++) {
    const s = f.services[i];
    if (!s || typeof s.name !== 'string' || !s.name || names.has(s.name)) return `bad service ${i}`;
    names.add(s.name);
    if (s.type !== (i < f.nlong ? 'longrun' : 'oneshot')) return `bad type for ${s.name}`;
    if (!Number.isInteger(s.flags) || !Array.isArray(s.timeout) || s.timeout.length !== 2
      || !s.timeout.every((t) => Number.isInteger(t) && t >= 0)) return `bad record for ${s.name}`;
    if (!isIndexList(s.deps, n) || !isIndexList(s.rdeps, n)) return `bad dependencies for ${s.name}`;
    if (s.type === 'oneshot' && (!isStringList(s.up) || !isStringList(s.down))) return `bad scripts for ${s.name}`;
    if (s.consumer !== undefined && !(Number.isInteger(s.consumer) && s.consumer >= 0 && s.consumer < f.nlong)) return `bad consumer for ${s.name}`;
    if (s.producers !== undefined && !isStringList(s.producers.map(String))) return `bad producers for ${s.name}`;
  }
  for (let i = 0; i < n; i++) {
    for (const j of f.services[i].deps) if (!f.services[j].rdeps.includes(i)) return 'dependencies and reverse dependencies do not match';
    for (const j of f.services[i].rdeps) if (!f.services[j].deps.includes(i)) return 'dependencies and reverse dependencies do not match';
  }
  for (const b of f.bundles) {
    if (!b || typeof b.name !== 'string' || !b.name || names.has(b.name) || !isIndexList(b.contents, n)) return 'bad bundle table';
    names.add(b.name);
  }
  return null;
}
