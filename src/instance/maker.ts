// instance-maker: the service directory of an instanced service (s6-instance-maker's layout),
// or with `rc` a pair of s6-rc source definitions (the service and its logger).
import { chmodSync, closeSync, mkdirSync, openSync, statSync, writeSync, constants as C } from 'node:fs';
import { join } from 'node:path';
import { Fatal, errCode, fatalSys } from '../s6/diag.js';
import { hiercopy, rmrf } from '../s6/tree.js';
import { instanceRun, loggerRun, type LoggerSettings } from './scripts.js';
import { lookupUser } from './user.js';

export interface RcNames { service: string; logger?: string; pipeline?: string }

export interface MakerOptions {
  template: string;
  dir: string;
  /** -c: most instances (clamped to [1, 90000]) */
  max: number;
  user?: string;
  /** -L and the rotation settings; absent: no catch-all logger */
  logger?: LoggerSettings;
  rc?: RcNames;
}

/** Parses `-r service[/logger[/pipeline]]` as s6-instance-maker does. */
export function parseRcNames(arg: string, haveLogdir: boolean): RcNames {
  if (arg.includes('\n')) throw new Fatal(100, 'newlines are forbidden in s6-rc names');
  const [service, logger, ...more] = arg.split('/');
  const pipeline = more.length ? more.join('/') : undefined;
  if (!service) throw new Fatal(100, 'service name cannot be empty');
  if (logger === undefined) {
    if (haveLogdir) throw new Fatal(100, 'logdir specified (-L) but logger name not specified (-r)');
    checkRcName(service);
    return { service };
  }
  if (!logger) {
    if (!more.length) throw new Fatal(100, 'argument to -r must be: service or service/logger or service/logger/pipeline');
    throw new Fatal(100, 'logger name cannot be empty');
  }
  if (!haveLogdir) throw new Fatal(100, 'logger specified (-r) but logdir not specified (-L)');
  if (pipeline !== undefined) {
    if (!pipeline) throw new Fatal(100, 'pipeline name cannot be empty');
    if (pipeline.includes('/')) throw new Fatal(100, 'slashes are forbidden in s6-rc names');
  }
  for (const n of [service, logger, pipeline]) if (n !== undefined) checkRcName(n);
  if (logger === service) throw new Fatal(100, 'the service and its logger need different names');
  return { service, logger, pipeline };
}

/** s6-rc-compile skips entries starting with `.`: such a name would silently vanish. */
function checkRcName(name: string): void {
  if (name[0] === '.') throw new Fatal(100, `invalid s6-rc name: ${name}`);
}

/** Checks done before anything is written (the tree is left untouched when one fails). */
function preflight(o: MakerOptions): void {
  if (o.logger && o.logger.logdir[0] !== '/') throw new Fatal(100, 'logdir must be absolute');
  if (o.logger && o.logger.stamp > 3) throw new Fatal(100, 'stamptype must be 0, 1, 2 or 3');
  for (const [what, u] of [['user', o.user], ['loguser', o.logger?.loguser]] as const) {
    if (u === undefined) continue;
    if (/[ \t\n]/.test(u) || !u) throw new Fatal(100, `invalid ${what}`);
    if (!lookupUser(u)) throw new Fatal(100, `invalid ${what}: ${u}: no such user`);
  }
  checkTemplate(o.template);
}

/** The template must look like a service directory: an executable run, and an executable
 * log/run when it has a log/ subdirectory. */
export function checkTemplate(template: string): void {
  const runOf = (d: string): void => {
    let st;
    try {
      st = statSync(join(d, 'run'));
    } catch (e) {
      const code = errCode(e);
      if (code === 'ENOENT' || code === 'ENOTDIR') throw new Fatal(100, `invalid template: ${d}/run: no such file`);
      throw fatalSys(111, `stat ${d}/run`, e);
    }
    if (!st.isFile() || !(st.mode & 0o111)) throw new Fatal(100, `invalid template: ${d}/run is not an executable file`);
  };
  let st;
  try {
    st = statSync(template);
  } catch (e) {
    const code = errCode(e);
    if (code === 'ENOENT' || code === 'ENOTDIR') throw new Fatal(100, `invalid template: ${template}: no such directory`);
    throw fatalSys(111, `stat ${template}`, e);
  }
  if (!st.isDirectory()) throw new Fatal(100, `invalid template: ${template} is not a directory`);
  runOf(template);
  let log;
  try {
    log = statSync(join(template, 'log'));
  } catch (e) {
    if (errCode(e) === 'ENOENT') return;
    throw fatalSys(111, `stat ${template}/log`, e);
  }
  if (!log.isDirectory()) throw new Fatal(100, `invalid template: ${template}/log is not a directory`);
  runOf(join(template, 'log'));
}

/** Writes the tree. On a failed system call, whatever was created is removed again. */
export function makeInstancedService(o: MakerOptions): void {
  preflight(o);
  const created: string[] = [];
  const mkdir = (d: string, existingOk = false): void => {
    try {
      mkdirSync(d, 0o755);
      created.push(d);
    } catch (e) {
      if (!existingOk || errCode(e) !== 'EEXIST') throw fatalSys(111, `mkdir ${d}`, e);
    }
  };
  const umask = process.umask(0);
  try {
    if (o.rc) {
      mkdir(o.dir, true);
      const svc = join(o.dir, o.rc.service);
      mkdir(svc);
      writeService(svc, o, umask, o.rc.logger ?? '');
      if (o.rc.logger) {
        const lg = join(o.dir, o.rc.logger);
        mkdir(lg);
        writeLogger(lg, o.logger!, umask, { service: o.rc.service, pipeline: o.rc.pipeline });
      }
    } else {
      mkdir(o.dir);
      writeService(o.dir, o, umask, null);
      if (o.logger) {
        mkdir(join(o.dir, 'log'));
        writeLogger(join(o.dir, 'log'), o.logger, umask, null);
      }
    }
  } catch (e) {
    for (const d of created.reverse()) rmrf(d);
    throw e instanceof Fatal ? e : fatalSys(111, 'create the instanced service', e);
  } finally {
    process.umask(umask);
  }
}

function writeFile(path: string, content: string, umask: number, executable = false): void {
  let fd: number;
  try {
    fd = openSync(path, C.O_WRONLY | C.O_CREAT | C.O_TRUNC, 0o666 & ~umask);
  } catch (e) {
    throw fatalSys(111, `open ${path}`, e);
  }
  try {
    writeSync(fd, content);
  } catch (e) {
    throw fatalSys(111, `write to ${path}`, e);
  } finally {
    closeSync(fd);
  }
  if (executable) {
    // s6's mode for run: the read/write bits of the umask, and x wherever r is
    const m = 0o666 & ~umask;
    try {
      chmodSync(path, m | ((m >> 2) & 0o111));
    } catch (e) {
      throw fatalSys(111, `chmod ${path}`, e);
    }
  }
}

/** `producerFor`: null for a plain service directory, '' for an s6-rc longrun without a
 * logger, the logger's name otherwise. */
function writeService(dir: string, o: MakerOptions, umask: number, producerFor: string | null): void {
  writeFile(join(dir, 'notification-fd'), '3\n', umask);
  writeFile(join(dir, 'run'), instanceRun(o.max, o.user), umask, true);
  if (producerFor !== null) {
    writeFile(join(dir, 'type'), 'longrun\n', umask);
    if (producerFor) writeFile(join(dir, 'producer-for'), `${producerFor}\n`, umask);
  } else {
    for (const sub of ['instance', 'instances']) {
      try {
        mkdirSync(join(dir, sub), 0o755);
      } catch (e) {
        throw fatalSys(111, `mkdir ${join(dir, sub)}`, e);
      }
    }
  }
  process.umask(umask);
  try {
    hiercopy(o.template, join(dir, 'template'), { followTop: true });
  } catch (e) {
    throw fatalSys(111, `copy file hierarchy from ${o.template} to ${join(dir, 'template')}`, e);
  } finally {
    process.umask(0);
  }
}

function writeLogger(dir: string, l: LoggerSettings, umask: number, rc: { service: string; pipeline?: string } | null): void {
  writeFile(join(dir, 'notification-fd'), '3\n', umask);
  writeFile(join(dir, 'run'), loggerRun(l), umask, true);
  if (rc) {
    writeFile(join(dir, 'type'), 'longrun\n', umask);
    writeFile(join(dir, 'consumer-for'), `${rc.service}\n`, umask);
    if (rc.pipeline) writeFile(join(dir, 'pipeline-name'), `${rc.pipeline}\n`, umask);
  }
}
