// openwritenclose_suffix: write NAME.new, then rename it over NAME, so a reader sees the old
// or the new content, never a part. No fsync, as s6 does.
import { closeSync, openSync, renameSync, writeSync, constants as C } from 'node:fs';

export function writeAtomic(path: string, data: Buffer | string): void {
  const tmp = path + '.new';
  const fd = openSync(tmp, C.O_WRONLY | C.O_NONBLOCK | C.O_TRUNC | C.O_CREAT, 0o666);
  try {
    const buf = typeof data === 'string' ? Buffer.from(data) : data;
    let off = 0;
    while (off < buf.length) off += writeSync(fd, buf, off, buf.length - off);
  } finally {
    closeSync(fd);
  }
  renameSync(tmp, path);
}
