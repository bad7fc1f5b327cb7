// The token that allows the POST actions. Without --http-token-file every action is refused.
// The comparison is of two SHA-256 digests with crypto.timingSafeEqual: constant time, and the
// lengths always match, so not even the token's length leaks.
import { createHash, timingSafeEqual } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { IncomingMessage } from 'node:http';
import { Fatal, fatalSys } from '../s6/diag.js';

const digest = (s: string | Buffer): Buffer => createHash('sha256').update(s).digest();

export class TokenCheck {
  private readonly want: Buffer | null;

  constructor(token: string | null) {
    this.want = token === null ? null : digest(token);
  }

  /** The first line of FILE, without surrounding blanks. Fatal 111 unreadable, 100 empty. */
  static fromFile(path: string): TokenCheck {
    let text: string;
    try {
      text = readFileSync(path, 'utf8');
    } catch (e) {
      throw fatalSys(111, `read token file ${path}`, e);
    }
    const token = text.split('\n')[0].trim();
    if (!token) throw new Fatal(100, `token file ${path} is empty`);
    return new TokenCheck(token);
  }

  get enabled(): boolean {
    return this.want !== null;
  }

  /** `Authorization: Bearer TOKEN` (or `X-Hexad-Token: TOKEN`) matches. */
  allows(req: IncomingMessage): boolean {
    if (!this.want) return false;
    const auth = req.headers.authorization;
    let given: string | undefined;
    if (auth && /^bearer\s+/i.test(auth)) given = auth.replace(/^bearer\s+/i, '').trim();
    else if (typeof req.headers['x-hexad-token'] === 'string') given = req.headers['x-hexad-token'].trim();
    if (given === undefined) return false;
    return timingSafeEqual(digest(given), this.want);
  }
}
