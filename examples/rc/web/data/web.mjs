// An HTTP front on 127.0.0.1:$PORT that counts its hits in db and logs them in the directory
// prepared by the `prepare` oneshot.
import { createServer } from 'node:http';
import { connect } from 'node:net';
import { appendFileSync, closeSync, readFileSync, writeSync } from 'node:fs';

const port = Number(readFileSync('env/PORT', 'utf8').trim());
const dbPort = Number(readFileSync('env/DB_PORT', 'utf8').trim());
const dir = `${process.env.HEXAD_EXAMPLE_DIR ?? '/tmp/hexad-example'}/www`;

function incr() {
  return new Promise((resolve, reject) => {
    const s = connect(dbPort, '127.0.0.1', () => s.write('INCR hits\n'));
    s.setEncoding('utf8').once('data', (d) => { resolve(d.trim()); s.end(); }).on('error', reject);
  });
}

createServer(async (req, res) => {
  try {
    const n = await incr();
    appendFileSync(`${dir}/access.log`, `${new Date().toISOString()} ${req.method} ${req.url} #${n}\n`);
    res.end(`hello from hexad rc: visit #${n}\n`);
  } catch (e) {
    res.statusCode = 503;
    res.end(`db unavailable: ${e.message}\n`);
  }
}).listen(port, '127.0.0.1', () => {
  writeSync(3, '\n');
  closeSync(3);
});
