// A stream for writing to an output descriptor without blocking the event loop: a TTY gets
// a tty.WriteStream (a net.Socket on a TTY descriptor fails with "Unsupported fd type:
// TTY"), a pipe or socket a net.Socket; a regular file or device gets null (write it with
// writeSync, which never waits for a reader).
import { fstatSync } from 'node:fs';
import { Socket } from 'node:net';
import { isatty, WriteStream } from 'node:tty';

export function outStream(fd: number): Socket | null {
  if (isatty(fd)) return new WriteStream(fd);
  const st = fstatSync(fd);
  if (st.isFIFO() || st.isSocket()) return new Socket({ fd, readable: false, writable: true });
  return null;
}
