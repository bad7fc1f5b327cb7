// A tiny counter store on 127.0.0.1:$PORT (env/PORT): "INCR name\n" answers the new value.
import { createServer } from 'node:net';
import { readFileSync, writeSync, closeSync } from 'node:fs';

const port = Number(readFileSync('env/PORT', 'utf8').trim());
const counters = new Map();
setTimeout(() => {            // "loading the data"
  createServer((sock) => {
    let buf = '';
    sock.setEncoding('utf8').on('data', (d) => {
      buf += d;
      let nl;
      while ((nl = buf.indexOf('\n')) >= 0) {
        const [cmd, name = 'hits'] = buf.slice(0, nl).trim().split(/\s+/);
        buf = buf.slice(nl + 1);
        if (cmd === 'INCR') {
          counters.set(name, (counters.get(name) ?? 0) + 1);
          sock.write(`${counters.get(name)}\n`);
        } else sock.write('ERR\n');
      }
    });
    sock.on('error', () => {});
  }).listen(port, '127.0.0.1', () => {
    writeSync(3, '\n');       // ready
    closeSync(3);
  });
}, 300);
