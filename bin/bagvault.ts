#!/usr/bin/env node
/** The `bagvault` command (SPEC §6): see cli/program.ts. */
import { main } from '../cli/program.ts';

await main(process.argv.slice(2));
