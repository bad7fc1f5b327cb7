// Reading s6-rc source definition directories exactly as s6-rc-compile 0.5.4.1 reads them:
// file names, list-file syntax, name rules, implicit dependencies, and its messages.
import { accessSync, closeSync, fstatSync, openSync, readdirSync, readFileSync, statSync, constants as C } from 'node:fs';
import { Fatal, errText } from '../s6/diag.js';
import { byteCompare, readHead } from './files.js';
import { lexExecline, LexError } from './lexer.js';
import { FDHOLDER, RUNNER } from './db.js';

export type SourceType = 'oneshot' | 'longrun' | 'bundle';
export const INTERNALS = 's6-rc-compile internals';

interface Common {
  name: string;
  srcdir: string;
  /** dependency names, in list order, implicit ones appended */
  deps: string[];
  timeout: [number, number];
  flags: number;
}
export interface LongrunDef extends Common {
  kind: 'longrun';
  internal: boolean;
  consumer?: string;
  producers: string[];
  pipelineName?: string;
}
export interface OneshotDef extends Common {
  kind: 'oneshot';
  up: string[];
  down: string[];
}
export interface BundleDef {
  kind: 'bundle';
  name: string;
  srcdir: string;
  contents: string[];
  flags: number;
}

interface NameInfo { type?: SourceType; i: number }

export interface Reporter {
  verbosity: number;
  warn(msg: string): void;
  info(msg: string): void;
}

/** Everything read from the sources, before any name is resolved. */
export class Sources {
  readonly names = new Map<string, NameInfo>();
  readonly longruns: LongrunDef[] = [];
  readonly oneshots: OneshotDef[] = [];
  readonly bundles: BundleDef[] = [];

  constructor(private readonly r: Reporter) {
    for (const name of [RUNNER, FDHOLDER]) {
      this.define(INTERNALS, name, 'longrun');
      this.longruns.push({ kind: 'longrun', internal: true, name, srcdir: INTERNALS, deps: [], timeout: [0, 0], flags: 0, producers: [] });
    }
  }

  typeOf(name: string): SourceType | undefined {
    return this.names.get(name)?.type;
  }

  info(name: string): NameInfo | undefined {
    return this.names.get(name);
  }

  /** Registers a name (type undefined for a mere reference); a second definition is fatal. */
  define(srcdir: string, name: string, type: SourceType | undefined): void {
    const known = this.names.get(name);
    const next = (t: SourceType): number => (t === 'oneshot' ? this.oneshots.length : t === 'longrun' ? this.longruns.length : this.bundles.length);
    if (!known) {
      this.names.set(name, { type, i: type ? next(type) : 0 });
      return;
    }
    if (!type) return;
    if (known.type) {
      throw new Fatal(1, `duplicate service definition: ${name} defined in ${srcdir} is already defined and has type ${known.type}`);
    }
    known.type = type;
    known.i = next(type);
  }

  reference(where: string, name: string): void {
    checkIdentifier(where, name);
    this.define(where, name, undefined);
  }

  /** Reads every service directory of one source directory, in byte order. */
  addSource(srcdir: string): void {
    let entries: string[];
    try {
      entries = readdirSync(srcdir);
    } catch (e) {
      throw new Fatal(111, `unable to opendir ${srcdir}: ${errText(e)}`);
    }
    const dirs: string[] = [];
    for (const name of entries) {
      if (name.startsWith('.')) continue;
      if (name.includes('\n')) throw new Fatal(1, `subdirectory of ${srcdir} contains a newline character`);
      checkIdentifier(srcdir, name);
      let st;
      try {
        st = statSync(`${srcdir}/${name}`);
      } catch (e) {
        throw new Fatal(111, `unable to stat ${srcdir}/${name}: ${errText(e)}`);
      }
      if (st.isDirectory()) dirs.push(name);
    }
    if (!dirs.length) {
      if (this.r.verbosity) this.r.warn(`source ${srcdir} is empty`);
      return;
    }
    dirs.sort(byteCompare);
    for (const name of dirs) {
      const dir = `${srcdir}/${name}`;
      try {
        closeSync(openSync(dir, C.O_RDONLY | C.O_DIRECTORY));
        readdirSync(dir);
      } catch (e) {
        throw new Fatal(111, `unable to open ${dir}: ${errText(e)}`);
      }
      this.addService(srcdir, name);
    }
  }

  private addService(srcdir: string, name: string): void {
    const dir = `${srcdir}/${name}`;
    if (this.r.verbosity >= 2) this.r.info(`parsing ${dir}`);
    let head: Buffer | null;
    try {
      head = readHead(`${dir}/type`, 8);
    } catch (e) {
      throw new Fatal(111, `unable to read ${dir}/type: ${errText(e)}`);
    }
    if (!head) throw new Fatal(111, `unable to read ${dir}/type: No such file or directory`);
    let t = head.toString('latin1');
    if (t.endsWith('\n')) t = t.slice(0, -1);
    if (t.includes('\0')) t = t.slice(0, t.indexOf('\0'));
    if (t === 'oneshot') this.addOneshot(srcdir, name);
    else if (t === 'longrun') this.addLongrun(srcdir, name);
    else if (t === 'bundle') this.addBundle(srcdir, name);
    else throw new Fatal(1, `invalid ${dir}/type: must be oneshot, longrun, or bundle`);
  }

  private common(srcdir: string, name: string, type: 'oneshot' | 'longrun'): Common {
    checkIdentifier(srcdir, name);
    this.define(srcdir, name, type);
    const dir = `${srcdir}/${name}`;
    const deps = this.readNameDir(srcdir, name, 'dependencies.d') ?? this.readNameList(srcdir, name, 'dependencies') ?? [];
    const timeout: [number, number] = [readTimeout(dir, 'timeout-down'), readTimeout(dir, 'timeout-up')];
    return { name, srcdir, deps, timeout, flags: readFlags(dir) };
  }

  private addOneshot(srcdir: string, name: string): void {
    if (this.r.verbosity >= 3) this.r.info(`${name} has type oneshot`);
    const c = this.common(srcdir, name, 'oneshot');
    const up = readScript(srcdir, name, 'up', true);
    const down = readScript(srcdir, name, 'down', false);
    c.deps.push(RUNNER);
    this.oneshots.push({ kind: 'oneshot', ...c, up, down });
  }

  private addLongrun(srcdir: string, name: string): void {
    if (this.r.verbosity >= 3) this.r.info(`${name} has type longrun`);
    const c = this.common(srcdir, name, 'longrun');
    const dir = `${srcdir}/${name}`;
    let fd: number;
    try {
      fd = openSync(`${dir}/run`, C.O_RDONLY);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') throw new Fatal(1, `: unable to find a run script in ${dir}/run`);
      throw new Fatal(111, `unable to open ${dir}/run: ${errText(e)}`);
    }
    try {
      if (!fstatSync(fd).isFile()) throw new Fatal(1, `${dir}/run is not a regular file`);
    } finally {
      closeSync(fd);
    }
    const def: LongrunDef = { kind: 'longrun', internal: false, ...c, producers: [] };
    let role = 0;
    const prodFor = this.readNameList(srcdir, name, 'producer-for');
    if (prodFor) {
      if (prodFor.length !== 1) throw new Fatal(1, `${dir}/producer-for should only contain one service name`);
      def.consumer = prodFor[0];
      def.deps.push(prodFor[0], FDHOLDER);
      if (this.r.verbosity >= 3) this.r.info(`${name} is a producer for ${prodFor[0]}`);
      role = 1;
    }
    const consFor = this.readNameList(srcdir, name, 'consumer-for');
    if (consFor && consFor.length) {
      def.producers = consFor;
      if (!role) {
        def.deps.push(FDHOLDER);
        role = 2;
      }
      if (this.r.verbosity >= 3) for (const p of consFor) this.r.info(`${name} is a consumer for ${p}`);
    }
    if (role === 2) {
      const pn = this.readNameList(srcdir, name, 'pipeline-name');
      if (pn) {
        if (pn.length !== 1) throw new Fatal(1, `${dir}/pipeline-name should only contain one name`);
        def.pipelineName = pn[0];
      }
    } else {
      let present = true;
      try {
        accessSync(`${dir}/pipeline-name`);
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw new Fatal(111, `unable to access ${dir}/pipeline-name: ${errText(e)}`);
        present = false;
      }
      if (present && this.r.verbosity) {
        this.r.warn(`${dir} contains a pipeline-name file despite not being a last consumer; this file will be ignored`);
      }
    }
    this.longruns.push(def);
  }

  private addBundle(srcdir: string, name: string): void {
    if (this.r.verbosity >= 3) this.r.info(`${name} has type bundle`);
    checkIdentifier(srcdir, name);
    this.define(srcdir, name, 'bundle');
    const contents = this.readNameDir(srcdir, name, 'contents.d') ?? this.readNameList(srcdir, name, 'contents');
    if (!contents) throw new Fatal(111, `unable to open ${srcdir}/${name}/contents: No such file or directory`);
    this.bundles.push({ kind: 'bundle', name, srcdir, contents, flags: readFlags(`${srcdir}/${name}`) });
  }

  /** A `.d` directory: entry names (dot-entries skipped); null when absent. */
  private readNameDir(srcdir: string, name: string, list: string): string[] | null {
    let entries: string[];
    try {
      entries = readdirSync(`${srcdir}/${name}/${list}`);
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (code === 'ENOENT') return null;
      throw new Fatal(111, `unable to opendir ${srcdir}/${name}/${list}: ${errText(e)}`);
    }
    const out: string[] = [];
    for (const entry of entries) {
      if (entry.startsWith('.')) continue;
      this.reference(name, entry);
      out.push(entry);
    }
    return out;
  }

  /** A list file (§1.3): one name per line, leading blanks skipped, `#` lines and empty
   * lines ignored, trailing blanks kept, duplicates dropped; null when absent. */
  private readNameList(srcdir: string, name: string, list: string): string[] | null {
    const path = `${srcdir}/${name}/${list}`;
    let data: Buffer;
    try {
      data = readFileSync(path);
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (code === 'ENOENT') return null;
      if (code === 'EISDIR') throw new Fatal(111, `unable to read ${path}: ${errText(e)}`);
      throw new Fatal(111, `unable to open ${path}: ${errText(e)}`);
    }
    const out: string[] = [];
    const lines = data.toString().split('\n');
    if (lines[lines.length - 1] === '') lines.pop();
    for (let line of lines) {
      const nul = line.indexOf('\0');
      if (nul >= 0) line = line.slice(0, nul);
      let k = 0;
      while (line[k] === ' ' || line[k] === '\t') k++;
      const entry = line.slice(k);
      if (!entry || entry[0] === '#') continue;
      this.reference(name, entry);
      if (out.includes(entry)) {
        if (this.r.verbosity >= 2) this.r.warn(`in ${srcdir}/${name}/${list}: name listed more than once: ${entry}`);
      } else out.push(entry);
    }
    return out;
  }
}

export function checkIdentifier(where: string, name: string): void {
  if (name.startsWith('s6rc-') || name.startsWith('s6-rc-')) {
    throw new Fatal(1, `in ${where}: identifier ${name} starts with reserved prefix`);
  }
}

function readTimeout(dir: string, file: string): number {
  let head: Buffer | null;
  try {
    head = readHead(`${dir}/${file}`, 63);
  } catch (e) {
    throw new Fatal(111, `unable to read ${dir}/${file}: ${errText(e)}`);
  }
  if (!head) return 0;
  let s = head.toString('latin1');
  while (s.endsWith('\n')) s = s.slice(0, -1);
  if (!/^\d+$/.test(s) || Number(s) > 0xffffffff) throw new Fatal(1, `invalid ${dir}/${file}`);
  return Number(s);
}

function readFlags(dir: string): number {
  try {
    accessSync(`${dir}/flag-essential`);
    return 1;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return 0;
    throw new Fatal(111, `unable to read ${dir}/flag-essential: ${errText(e)}`);
  }
}

function readScript(srcdir: string, name: string, script: string, mandatory: boolean): string[] {
  const path = `${srcdir}/${name}/${script}`;
  let text: Buffer;
  try {
    text = readFileSync(path);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT' && !mandatory) return [];
    if ((e as NodeJS.ErrnoException).code === 'EISDIR') throw new Fatal(111, `unable to parse ${path}: ${errText(e)}`);
    throw new Fatal(111, `unable to open ${path}: ${errText(e)}`);
  }
  try {
    return lexExecline(text);
  } catch (e) {
    if (!(e instanceof LexError)) throw e;
    if (e.kind === 'syntax') throw new Fatal(1, `syntax error in ${path}`);
    throw new Fatal(1, `syntax error in ${path}: ${e.kind === 'unmatched-open' ? 'unmatched {' : 'unmatched }'}`);
  }
}

/** s6rc_read_uint: the first line of a small file as a decimal; null when absent. Fatal 111
 * (Invalid argument) when it is not a number, as s6-rc-compile says. */
export function readUintFile(path: string): number | null {
  let head: Buffer | null;
  try {
    head = readHead(path, 11);
  } catch (e) {
    throw new Fatal(111, `unable to read ${path}: ${errText(e)}`);
  }
  if (!head) return null;
  let s = head.toString('latin1');
  const nl = s.indexOf('\n');
  if (nl >= 0) s = s.slice(0, nl);
  if (!/^\d+$/.test(s) || Number(s) > 0xffffffff) throw new Fatal(111, `unable to read ${path}: Invalid argument`);
  return Number(s);
}
