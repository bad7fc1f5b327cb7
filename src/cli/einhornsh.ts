// hexad einhornsh [-c NAME | -d PATH] [-e 'CMD [ARGS]; CMD…'] [NAME]: einhorn's shell.
import { createRequire } from 'node:module';
import { Fatal, writeOut } from '../s6/diag.js';
import type { Client } from '../einhorn/client.js';
import { defaultSocketPath } from '../einhorn/paths.js';
import { SyncClient } from '../einhorn/sync-client.js';
import { inspect } from '../einhorn/inspect.js';
import { ShellwordsError, shellsplit } from '../einhorn/shellwords.js';
import { getopt, UsageError } from './getopt.js';

export const usage = '[-c NAME | -d PATH] [-e COMMANDS] [NAME]';

class Quit extends Error {}

function errText(e: unknown): string {
  const code = (e as NodeJS.ErrnoException).code;
  const texts: Record<string, string> = { ENOENT: 'No such file or directory', ECONNREFUSED: 'Connection refused', EACCES: 'Permission denied' };
  return (code && texts[code]) ?? (e as Error).message;
}

export default async function main(args: string[]): Promise<number> {
  const { opts, rest } = getopt(args, 'c:d:e:h', [
    { name: 'command-name', arg: true, key: 'c' },
    { name: 'socket-path', arg: true, key: 'd' },
    { name: 'execute', arg: true, key: 'e' },
    { name: 'help', arg: false, key: 'h' },
  ]);
  if (opts.some(([n]) => n === 'h') || rest.length > 1) throw new UsageError();
  const get = (k: string): string | undefined => opts.filter(([n]) => n === k).pop()?.[1];
  const path = get('d') ?? defaultSocketPath(get('c') ?? rest[0]);
  const script = get('e');
  const interactive = script === undefined && process.stdin.isTTY === true;

  let client: Client | SyncClient;
  try {
    // the event-driven client (and its YAML) is loaded only for a shell, not for `-e`
    client = script !== undefined ? SyncClient.connect(path) : await (await import('../einhorn/client.js')).Client.connect(path);
  } catch (e) {
    throw new Fatal(1, `unable to connect to ${path}: ${errText(e)} (is an einhorn master running? pass einhornsh its -c NAME or -d PATH)`);
  }
  process.on('SIGINT', () => {
    if (interactive) process.stderr.write('\n');
    process.exit(0);
  });

  let id = 0;
  let status = 0;
  const runLine = async (line: string): Promise<void> => {
    for (const part of line.split(';')) {
      let words: string[];
      try {
        words = shellsplit(part);
      } catch (e) {
        process.stderr.write(`${(e as ShellwordsError).message}\n`);
        continue;
      }
      if (words.length === 0) continue;
      const [command, ...cmdArgs] = words;
      if (command === 'quit' || command === 'exit') {
        if (interactive) process.stderr.write('Goodbye!\n');
        throw new Quit();
      }
      client.send(new Map<string, unknown>([['id', ++id], ['command', command], ['args', cmdArgs]]));
      for (;;) {
        const r = await client.receive();
        if (r === null) throw new Fatal(1, 'connection closed by the einhorn master');
        if (!(r instanceof Map)) {
          writeOut(`Invalid response type ${typeof r === 'string' ? 'String' : 'Object'}: ${inspect(r)}\n`);
          continue;
        }
        const m = r.get('message');
        const text = m === undefined || m === null ? '' : String(m);
        writeOut(text.endsWith('\n') ? text : `${text}\n`);
        if (r.get('wait') !== true) {
          // hexad: an upgrade that did not happen makes einhornsh fail, so that scripts notice
          if (/^upgrade/.test(command) && /^(ERROR: |Upgrade failed)/.test(text)) status = 1;
          break;
        }
      }
    }
  };

  try {
    if (script !== undefined) {
      await runLine(script);
    } else {
      if (interactive) {
        client.send(new Map<string, unknown>([['command', 'ehlo'], ['user', process.env.USER ?? '']]));
        const r = await client.receive();
        if (r instanceof Map) {
          const text = String(r.get('message') ?? '');
          process.stderr.write(text.endsWith('\n') ? text : `${text}\n`);
        }
        process.stderr.write(`Enter 'help' if you're not sure what to do.\n\nType "quit" or "exit" to quit at any time\n`);
      }
      // loaded here: `-e` does without readline's start-up cost
      const { createInterface } = (process.getBuiltinModule?.('node:readline') ?? createRequire(import.meta.url)('node:readline')) as typeof import('node:readline');
      const rl = createInterface({ input: process.stdin, output: interactive ? process.stdout : undefined, prompt: '> ', terminal: interactive });
      if (interactive) rl.prompt();
      for await (const line of rl) {
        await runLine(line);
        if (interactive) rl.prompt();
      }
      rl.close();
    }
  } catch (e) {
    if (!(e instanceof Quit)) throw e;
  }
  client.close();
  return status;
}
