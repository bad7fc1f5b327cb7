import { createServer } from 'node:http';
import { writeSync, closeSync } from 'node:fs';

const port = Number(process.env.PORT ?? 8080);
const server = createServer((req, res) => res.end(`hello from pid ${process.pid}\n`));
server.listen(port, '127.0.0.1', () => {
  console.log(`web: listening on 127.0.0.1:${port}`);
  writeSync(3, '\n'); // s6 readiness: a newline on notification-fd, then close it
  closeSync(3);
});
process.on('SIGTERM', () => server.close(() => process.exit(0)));
