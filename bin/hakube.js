#!/usr/bin/env node
import { setFlagsFromString } from 'node:v8';

// A run lasts well under a second: optimizing hot functions with TurboFan costs more CPU, on V8's background
// threads, than the optimized code saves (generate: -11% CPU with the tutorial, -22% with 200 worker groups).
// Set before the bundle loads, so every run, and the compile cache it writes, sees the same V8 flags.
setFlagsFromString('--no-opt');
const { main } = await import('../dist/main.js');

// A reader that stops early (hakube get ig x | head) is not an error.
for (const stream of [process.stdout, process.stderr]) {
  stream.on('error', (err) => {
    if (err.code === 'EPIPE') process.exit(process.exitCode ?? 0);
    throw err;
  });
}

process.exitCode = await main(process.argv.slice(2));
