// hexad reload APP…: by name, on the running config (see app-verb.ts).
import { verbMain, verbUsage } from './app-verb.js';

export const usage = verbUsage;
export default (args: string[]): Promise<number> => verbMain('reload', args);
