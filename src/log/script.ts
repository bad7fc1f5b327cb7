// s6-log's logging script: directives read left to right, in two passes as s6-log does, so
// that errors come out in the same order with the same exit code and message.
import { Fatal } from '../s6/diag.js';
import { compileEre, type Matcher } from './regex.js';

export type Selection =
  | { kind: 'plus'; re: Matcher }
  | { kind: 'minus'; re: Matcher }
  | { kind: 'f' };

export interface Processor {
  cmd: string;
  /** `?cmd` runs `/bin/sh -c cmd`; `!cmd` runs `execlineb -Pc cmd`. */
  shell: 'sh' | 'execline';
}

export interface LogdirSpec {
  dir: string;
  /** archives kept (n) */
  count: number;
  /** rotation size (s) */
  size: number;
  /** total archive size limit, 0 = none (S) */
  maxTotal: number;
  /** rotation tolerance (l) */
  tolerance: number;
  /** retry cooldown in ms (r) */
  retryMs: number;
  processor: Processor | null;
}

interface ActionCommon {
  /** t: TAI64N label before the line */
  tai: boolean;
  /** T: local time before the line */
  local: boolean;
  /** p: prefix (without the space that follows it) */
  prefix: Buffer | null;
}

export type Action = ActionCommon & (
  | { kind: 'stdout' }
  | { kind: 'alert'; size: number }
  | { kind: 'status'; file: string; size: number }
  | { kind: 'dir'; logdir: number });

export interface Element {
  sels: Selection[];
  acts: Action[];
}

export interface Script {
  elements: Element[];
  logdirs: LogdirSpec[];
  /** some action wants a TAI64N label / a local time */
  anyTai: boolean;
  anyLocal: boolean;
  /** no element has a selection: every line goes to every action */
  noSelection: boolean;
  /** a warning to print (the script ends with selections) */
  warning: string | null;
}

const MAX_U32 = 0xffff_ffff;

/** uint32 / uint0 scan: decimal digits only, the whole string, within 32 bits. */
function u32(s: string): number | null {
  if (!/^[0-9]+$/.test(s)) return null;
  const n = Number(s);
  return n <= MAX_U32 ? n : null;
}

function u64(s: string): number | null {
  if (!/^[0-9]+$/.test(s)) return null;
  return BigInt(s) <= 0xffff_ffff_ffff_ffffn ? Number(s) : null;
}

/** The first pass: structure only (s6's script_firstpass). */
function firstPass(argv: readonly string[]): string | null {
  let scripts = 0;
  let acted = false;
  for (const a of argv) {
    switch (a[0]) {
      case 'f':
      case '+':
      case '-':
        if (a[0] === 'f' && a.length > 1) throw new Fatal(100, `syntax error at directive: ${a}`);
        if (acted) {
          scripts++;
          acted = false;
        }
        break;
      case 'n': case 's': case 'S': case 'l': case 'r': case 'E': case '^': case 'p': case '!': case '?':
        break;
      case 't':
      case 'T':
        if (a.length > 1) throw new Fatal(100, `syntax error at directive: ${a}`);
        break;
      case '1':
      case '2':
        if (a.length > 1) throw new Fatal(100, `syntax error at directive: ${a}`);
        acted = true;
        break;
      case '.':
      case '/':
        acted = true;
        break;
      case '=':
        if (a.length < 2) throw new Fatal(100, `syntax error at directive: ${a}`);
        acted = true;
        break;
      default:
        throw new Fatal(100, `unrecognized directive: ${a}`);
    }
  }
  if (acted) return null;
  if (scripts) return 'ignoring extraneous non-action directives';
  throw new Fatal(100, 'no action directive specified');
}

/** Parses a script. `onLogdir` is called for each logdir as the second pass reaches it, as
 * s6-log initialises its logdirs while parsing (so a logdir error comes before a later
 * directive's syntax error). Throws Fatal(100, …) for bad scripts. */
export function parseScript(argv: readonly string[], onLogdir: (spec: LogdirSpec, index: number) => void = () => {}): Script {
  const warning = firstPass(argv);
  const bad = (a: string): never => {
    throw new Fatal(100, `unrecognized directive: ${a}`);
  };
  let alertSize = 200;
  let statusSize = 1001;
  let size = 99999;
  let count = 10;
  let tolerance = 2000;
  let maxTotal = 0;
  let retryMs = 2000;
  let processor: Processor | null = null;
  let prefix: Buffer | null = null;
  let tai = false;
  let local = false;
  let anyTai = false;
  let anyLocal = false;
  const elements: Element[] = [];
  const logdirs: LogdirSpec[] = [];
  let cur: Element = { sels: [], acts: [] };
  let acted = false;
  const act = (a: Action): void => {
    cur.acts.push(a);
    acted = true;
    anyTai ||= tai;
    anyLocal ||= local;
    tai = false;
    local = false;
  };
  for (const a of argv) {
    const rest = a.slice(1);
    switch (a[0]) {
      case 'f':
      case '+':
      case '-': {
        let sel: Selection;
        if (a[0] === 'f') sel = { kind: 'f' };
        else {
          let re: Matcher;
          try {
            re = compileEre(rest);
          } catch {
            return bad(a);
          }
          sel = { kind: a[0] === '+' ? 'plus' : 'minus', re };
        }
        if (acted) {
          elements.push(cur);
          cur = { sels: [], acts: [] };
          acted = false;
        }
        cur.sels.push(sel);
        break;
      }
      case 'n':
        count = u32(rest) ?? bad(a);
        break;
      case 's':
        size = Math.min(Math.max(u32(rest) ?? bad(a), 4096), 268435455);
        break;
      case 'S':
        maxTotal = u64(rest) ?? bad(a);
        break;
      case 'l':
        tolerance = u32(rest) ?? bad(a);
        if (tolerance > size >>> 1) throw new Fatal(100, `directive ${a} conflicts with previous s directive`);
        break;
      case 'r': {
        const r = u32(rest) ?? bad(a);
        if (r > 0x7fff_ffff) bad(a);
        retryMs = r;
        break;
      }
      case 'E':
        alertSize = u32(rest) ?? bad(a);
        break;
      case '^':
        statusSize = u32(rest) ?? bad(a);
        break;
      case 'p':
        prefix = rest ? Buffer.from(rest) : null;
        break;
      case '!':
      case '?':
        processor = rest ? { cmd: rest, shell: a[0] === '?' ? 'sh' : 'execline' } : null;
        break;
      case 't':
        tai = true;
        break;
      case 'T':
        local = true;
        break;
      case '1':
        act({ kind: 'stdout', tai, local, prefix });
        break;
      case '2':
        act({ kind: 'alert', size: alertSize, tai, local, prefix });
        break;
      case '=':
        act({ kind: 'status', file: rest, size: statusSize, tai, local, prefix });
        break;
      case '.':
      case '/': {
        const spec: LogdirSpec = { dir: a, count, size, maxTotal, tolerance, retryMs, processor };
        onLogdir(spec, logdirs.length);
        act({ kind: 'dir', logdir: logdirs.length, tai, local, prefix });
        logdirs.push(spec);
        break;
      }
    }
  }
  if (acted) elements.push(cur);
  return { elements, logdirs, anyTai, anyLocal, noSelection: elements.every((e) => e.sels.length === 0), warning };
}
