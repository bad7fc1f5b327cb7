// POSIX getopt, as skalibs' subgetopt parses: options stop at the first non-option or `--`;
// flags cluster (`-uwU`); an option's argument is the rest of its cluster or the next word
// (`-t500`, `-t 500`). Long options (`--name`, `--name=value`) for the tools that have them.

export class UsageError extends Error {
  constructor(message = 'usage') {
    super(message);
  }
}

export type Opt = [name: string, value: string | undefined];

export interface LongOption { name: string; arg: boolean; key?: string }

export interface Parsed { opts: Opt[]; rest: string[] }

/** `spec` is getopt's string: a letter, followed by `:` when it takes an argument. */
export function getopt(argv: readonly string[], spec: string, longs: readonly LongOption[] = []): Parsed {
  const opts: Opt[] = [];
  let i = 0;
  for (; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--') { i++; break; }
    if (a.startsWith('--') && longs.length) {
      const eq = a.indexOf('=');
      const name = a.slice(2, eq < 0 ? undefined : eq);
      const lo = longs.find((l) => l.name === name);
      if (!lo) throw new UsageError(`unrecognized option: --${name}`);
      if (!lo.arg) {
        if (eq >= 0) throw new UsageError(`option --${name} takes no argument`);
        opts.push([lo.key ?? name, undefined]);
      } else if (eq >= 0) opts.push([lo.key ?? name, a.slice(eq + 1)]);
      else {
        if (i + 1 >= argv.length) throw new UsageError(`option --${name} requires an argument`);
        opts.push([lo.key ?? name, argv[++i]]);
      }
      continue;
    }
    if (a.length < 2 || a[0] !== '-') break;
    for (let j = 1; j < a.length; j++) {
      const c = a[j];
      const k = spec.indexOf(c);
      if (c === ':' || k < 0) throw new UsageError(`unrecognized option: -${c}`);
      if (spec[k + 1] === ':') {
        if (j + 1 < a.length) opts.push([c, a.slice(j + 1)]);
        else if (i + 1 < argv.length) opts.push([c, argv[++i]]);
        else throw new UsageError(`option -${c} requires an argument`);
        break;
      }
      opts.push([c, undefined]);
    }
  }
  return { opts, rest: argv.slice(i) };
}

/** uint0_scan: a decimal unsigned integer and nothing else; null when it is not one. */
export function parseUint(s: string | undefined): number | null {
  if (s === undefined || !/^\d+$/.test(s)) return null;
  const n = Number(s);
  return Number.isSafeInteger(n) ? n : null;
}

/** A uint option argument, or a usage error. */
export function uintArg(s: string | undefined): number {
  const n = parseUint(s);
  if (n === null) throw new UsageError();
  return n;
}
