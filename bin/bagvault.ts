#!/usr/bin/env node
/** The `bagvault` command (SPEC §6): see cli/program.ts. */
import { main } from '../cli/program.ts';

// `bagvault … | head` closes the pipe early: that is the reader being done, not a failure to report.
for (const stream of [process.stdout, process.stderr])
  stream.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code === 'EPIPE') process.exit(0);
    throw error;
  });

await main(process.argv.slice(2));
