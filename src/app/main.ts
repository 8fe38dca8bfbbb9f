#!/usr/bin/env node
import { setFlagsFromString } from 'node:v8';
import { runCli } from './cli/run-cli.js';

// Every HTTP request leaves short-lived garbage, and V8 lets the heap grow up to 4× the live data between
// full collections: a 20,000-token audit peaked at 205 MB of RSS for 25 MB live. Growing by at most 1.5×
// keeps it near 150 MB at no measurable cost in time (`npm run bench`). A growth factor, not a cap: the heap
// still grows as far as a big report needs. NODE_OPTIONS may set another.
const v8Options = `${process.env.NODE_OPTIONS ?? ''} ${process.execArgv.join(' ')}`;
if (!v8Options.includes('heap-growing-percent')) {
  setFlagsFromString('--heap-growing-percent=50');
}
// The young generation's two semi-spaces start at 1 MB each and V8 doubles them, up to 16 MB, while it keeps
// scavenging: `audit`'s garbage is requests' and answers', dead by the next scavenge, so bigger ones only
// hold more of it. Kept at their first size (a growth factor of 1, read by V8 each time it would grow them,
// so it can be set here, unlike --max-semi-space-size): peak RSS 210 -> 182 MB at 100,000 tokens, 121 -> 97 MB
// at 2,000, the same CPU (`npm run bench`, README "Performance"). The worker too: its pages of results and of
// alert states are read small enough to die young in them, and its quiet run then needs about as much memory at
// 100,000 tokens as at 20,000 (README "Performance"). NODE_OPTIONS may set another.
if ((process.argv[2] === 'audit' || process.argv[2] === 'worker') && !v8Options.includes('semi-space')) {
  setFlagsFromString('--semi-space-growth-factor=1');
}

// A reader that stops early (`audit --format json | head`) closes the pipe: not an error of the audit.
process.stdout.on('error', (error: NodeJS.ErrnoException) => {
  if (error.code !== 'EPIPE') {
    throw error;
  }
});

const code = await runCli(process.argv.slice(2), { stdout: process.stdout, env: process.env });
// The command is done, but a library timer may still hold the event loop: ioredis's reply parser keeps a
// 50 ms interval running for over a second after a large reply (a report, for `trigger --wait`). Exit as
// soon as stdout is written.
// An empty write's callback runs once everything written before it is flushed (or has failed: a closed pipe).
await new Promise<void>((resolve) => process.stdout.write('', () => resolve()));
process.exit(code);
