// `-b` addresses: einhorn's `HOST:PORT[,FLAG…]` (HOST an IPv4 literal or a name), plus IPv6
// literals in brackets (`[::1]:8080`) and UNIX sockets (`unix:/path` or an absolute path).
// Flags: r / so_reuseaddr (SO_REUSEADDR), n / o_nonblock (O_NONBLOCK); others are ignored with a
// warning (einhorn ignores them silently).
import { lookup } from 'node:dns/promises';
import { closeSync, lstatSync, unlinkSync } from 'node:fs';
import { isIP } from 'node:net';
import * as native from '../native/index.js';
import type { Bind } from './state.js';

export class BindError extends Error {}

const KNOWN_FLAGS = new Set(['r', 'so_reuseaddr', 'n', 'o_nonblock']);

export function parseBind(arg: string): Bind {
  let m = /^unix:(.+?)((?:,\w+)*)$/.exec(arg) ?? /^(\/.+?)((?:,\w+)*)$/.exec(arg);
  if (m) {
    return { spec: arg, host: m[1], port: 0, flags: flagList(m[2]), family: 'unix', address: m[1] };
  }
  m = /^\[([0-9A-Fa-f:.]+)\]:(\d+)((?:,\w+)*)$/.exec(arg);
  if (arg.startsWith('[') && !m) throw new BindError(`invalid bind address ${arg}: an IPv6 address is written [ADDRESS]:PORT`);
  if (m) {
    if (isIP(m[1]) !== 6) throw new BindError(`invalid IPv6 address in ${arg}`);
    return { spec: arg, host: m[1], port: port(m[2], arg), flags: flagList(m[3]), family: 'ipv6', address: m[1] };
  }
  m = /^([^:]+):(\d+)((?:,\w+)*)$/.exec(arg);
  if (!m) throw new BindError(`invalid bind address ${arg}: must be HOST:PORT[,FLAGS], [IPV6]:PORT[,FLAGS] or unix:PATH`);
  return { spec: arg, host: m[1], port: port(m[2], arg), flags: flagList(m[3]), family: 'ipv4', address: m[1] };
}

function flagList(s: string): string[] {
  return s.split(',').filter((f) => f.length > 0).map((f) => f.toLowerCase());
}

function port(s: string, arg: string): number {
  const n = Number(s);
  if (!Number.isSafeInteger(n) || n > 65535) throw new BindError(`invalid port in ${arg}`);
  return n;
}

export function unknownFlags(b: Bind): string[] {
  return b.flags.filter((f) => !KNOWN_FLAGS.has(f));
}

/** Resolves a host name to an address (IPv4 first, as einhorn binds IPv4 only). */
export async function resolve(b: Bind): Promise<Bind> {
  if (b.family !== 'ipv4' || isIP(b.host) === 4) return b;
  try {
    const r = await lookup(b.host, { family: 4 });
    return { ...b, address: r.address };
  } catch {
    try {
      const r = await lookup(b.host, { family: 6 });
      return { ...b, family: 'ipv6', address: r.address };
    } catch (e) {
      throw new BindError(`unable to resolve ${b.host}: ${(e as Error).message}`);
    }
  }
}

/** Removes a UNIX socket left behind by a dead process; refuses if someone still listens. */
export function clearStaleSocket(path: string): 'none' | 'removed' {
  let isSocket: boolean;
  try {
    isSocket = lstatSync(path).isSocket();
  } catch {
    return 'none';
  }
  if (!isSocket) throw Object.assign(new Error(`${path} exists and is not a socket`), { code: 'EEXIST' });
  let fd: number;
  try {
    fd = native.connectUnix(path);
  } catch (e) {
    if ((e as { code?: string }).code !== 'ECONNREFUSED') throw e;
    unlinkSync(path);
    return 'removed';
  }
  closeSync(fd);
  throw Object.assign(new Error(`another process listens on ${path}`), { code: 'EADDRINUSE' });
}

/** Binds and listens (never accepts). Returns the fd (close-on-exec) and the port bound. */
export function bindOne(b: Bind, backlog: number): { fd: number; port: number } {
  const reuse = b.flags.includes('r') || b.flags.includes('so_reuseaddr');
  if (b.family === 'unix') clearStaleSocket(b.address);
  const fd = native.listen(b.family, b.address, b.port, backlog, reuse);
  if (b.flags.includes('n') || b.flags.includes('o_nonblock')) native.setNonblock(fd, true);
  return { fd, port: b.family === 'unix' ? 0 : native.localPort(fd) };
}
