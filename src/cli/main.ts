// The multi-call entry: `hexad TOOL ARGS…`, or a link named after the tool.
import { basename } from 'node:path';
import { COMMANDS, commandForLink } from './commands.js';
import { report } from './report.js';

export { report };

/** What a command module exports as default. It returns the exit code (or undefined to keep
 * running, as daemons do). `prog` is the name to print in messages. */
export type CommandMain = (args: string[], prog: string) => Promise<number | void> | number | void;

export interface CommandModule {
  default: CommandMain;
  /** the synopsis after the program name, printed as `PROG: usage: PROG USAGE` */
  usage: string;
}

function usageAll(): string {
  const lines = Object.entries(COMMANDS).map(([n, c]) => `  ${n.padEnd(16)} ${c.summary}`);
  return `usage: hexad COMMAND [ARGS…]\n\ncommands:\n${lines.join('\n')}\n`;
}

export async function run(argv: string[]): Promise<number | void> {
  const self = basename(argv[1] ?? 'hexad').replace(/\.js$/, '');
  // `hexad` itself, or a link named after a tool
  let name: string | undefined;
  let args: string[];
  let prog: string;
  const linked = commandForLink(self);
  if (linked) {
    name = linked;
    args = argv.slice(2);
    prog = self;
  } else {
    name = argv[2];
    args = argv.slice(3);
    prog = `hexad ${name}`;
    if (!name || name === '-h' || name === '--help' || name === 'help') {
      process.stdout.write(usageAll());
      return name ? 0 : 100;
    }
    if (name === '--version') {
      process.stdout.write('hexad 0.1.0\n');
      return 0;
    }
  }
  const info = COMMANDS[name];
  if (!info) {
    process.stderr.write(`hexad: fatal: unknown command: ${name}\n${usageAll()}`);
    return 100;
  }
  const mod = (await import(`./${info.module}.js`)) as CommandModule;
  try {
    return await mod.default(args, prog);
  } catch (e) {
    return report(e, prog, mod.usage);
  }
}
