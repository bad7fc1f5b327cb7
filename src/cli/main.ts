// The multi-call entry: `hexad TOOL ARGS…`, or a link named after the tool.
import { basename } from 'node:path';
import { COMMANDS, commandForLink } from './commands.js';
import { report } from './report.js';
import { commandHelp, nearest, overallHelp } from './help.js';

export { report };

/** What a command module exports as default. It returns the exit code (or undefined to keep
 * running, as daemons do). `prog` is the name to print in messages. */
export type CommandMain = (args: string[], prog: string) => Promise<number | void> | number | void;

export interface CommandModule {
  default: CommandMain;
  /** the synopsis after the program name, printed as `PROG: usage: PROG USAGE` */
  usage: string;
}

const SHORT_USAGE = 'usage: hexad COMMAND [ARGS…]  (hexad --help lists the commands)\n';

async function usageOf(name: string): Promise<string> {
  return ((await import(`./${COMMANDS[name].module}.js`)) as CommandModule).usage;
}

function unknown(name: string): number {
  const near = nearest(name);
  process.stderr.write(`hexad: fatal: unknown command: ${name}${near ? ` (did you mean ${near}?)` : ''}; hexad --help lists the commands\n`);
  return 100;
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
    if (!name) {
      process.stderr.write(SHORT_USAGE);
      return 100;
    }
    if (name === '-h' || name === '--help' || (name === 'help' && !args.length)) {
      process.stdout.write(overallHelp());
      return 0;
    }
    if (name === 'help') {
      const about = COMMANDS[args[0]] ? args[0] : commandForLink(args[0]);
      if (!about) return unknown(args[0]);
      process.stdout.write(commandHelp(about, await usageOf(about)));
      return 0;
    }
    if (name === '--version') {
      process.stdout.write('hexad 0.1.0\n');
      return 0;
    }
    if (COMMANDS[name] && args[0] === '--help') {
      process.stdout.write(commandHelp(name, await usageOf(name)));
      return 0;
    }
  }
  const info = COMMANDS[name];
  if (!info) return unknown(name);
  const mod = (await import(`./${info.module}.js`)) as CommandModule;
  try {
    return await mod.default(args, prog);
  } catch (e) {
    return report(e, prog, mod.usage);
  }
}
