// einhorn's log lines on stderr (`[MASTER pid] INFO: …`), filtered by verbosity (0 debug, 1 info,
// 2 errors only). A message with a tag also goes to the control connections subscribed to that
// tag (`upgrade`), whatever the verbosity, as einhorn streams its upgrade progress.
import { writeSync } from 'node:fs';

export type Publish = (tag: string, message: string) => void;

export class Logger {
  publish: Publish = () => {};

  constructor(private readonly verbosity: () => number) {}

  private line(level: string, min: number, msg: string): void {
    if (this.verbosity() > min) return;
    writeStderr(`[MASTER ${process.pid}] ${level}: ${msg}\n`);
  }

  debug(msg: string, tag?: string): void {
    this.line('DEBUG', 0, msg);
    if (tag) this.publish(tag, msg);
  }

  info(msg: string, tag?: string): void {
    this.line('INFO', 1, msg);
    if (tag) this.publish(tag, msg);
  }

  error(msg: string, tag?: string): void {
    this.line('ERROR', 2, msg);
    if (tag) this.publish(tag, `ERROR: ${msg}`);
  }
}

/** Synchronous and loss-free, so that nothing is pending when the master re-execs itself. */
export function writeStderr(text: string): void {
  const buf = Buffer.from(text);
  let off = 0;
  while (off < buf.length) {
    try {
      off += writeSync(2, buf, off);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'EAGAIN') continue;
      return;
    }
  }
}
