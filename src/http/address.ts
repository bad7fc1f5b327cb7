// The --http argument: `PORT`, `HOST:PORT`, `[V6]:PORT`, or a UNIX socket path (anything with
// a `/`). The host defaults to 127.0.0.1: nothing is reachable from elsewhere unless asked.
import { isIP } from 'node:net';
import { resolve } from 'node:path';
import { Fatal } from '../s6/diag.js';

export type ListenAddress = { kind: 'tcp'; host: string; port: number } | { kind: 'unix'; path: string };

export const DEFAULT_HOST = '127.0.0.1';

/** Throws Fatal 100 on anything malformed. */
export function parseListenAddress(text: string): ListenAddress {
  const bad = (why: string): Fatal => new Fatal(100, `invalid --http address: ${text}: ${why}`);
  if (text.includes('/')) {
    if (text.includes('\0')) throw bad('NUL in path');
    if (Buffer.byteLength(text) > 107) throw bad('socket path too long');
    return { kind: 'unix', path: resolve(text) };
  }
  let host = DEFAULT_HOST;
  let port: string;
  const v6 = /^\[([^\]]*)\]:(.*)$/.exec(text);
  if (v6) {
    host = v6[1];
    port = v6[2];
    if (isIP(host) !== 6) throw bad('not an IPv6 address');
  } else {
    const colon = text.lastIndexOf(':');
    if (colon < 0) port = text;
    else {
      host = text.slice(0, colon) || DEFAULT_HOST;
      port = text.slice(colon + 1);
      if (host.includes(':')) throw bad('write an IPv6 address in brackets');
      if (!isIP(host) && !/^[A-Za-z0-9]([A-Za-z0-9.-]*[A-Za-z0-9])?$/.test(host)) throw bad('not a host name');
    }
  }
  if (!/^\d{1,5}$/.test(port) || Number(port) > 65535) throw bad('port must be a number from 0 to 65535');
  return { kind: 'tcp', host, port: Number(port) };
}

export function formatAddress(a: ListenAddress): string {
  if (a.kind === 'unix') return a.path;
  return a.host.includes(':') ? `[${a.host}]:${a.port}` : `${a.host}:${a.port}`;
}
