#!/usr/bin/env node
import { run } from '../dist/src/cli/main.js';

const code = await run(process.argv);
// stdout and stderr are synchronous for files, pipes and terminals on Linux: nothing is lost.
if (typeof code === 'number') process.exit(code);
