/**
 * The container entry point of the Fargate Unpack task (lib/unpack-task.ts): the very handler the
 * Unpack Lambda runs, for archives too big for one invocation.
 */
import { handler } from '../handlers/ingest/unpack.ts';
import { runContainerTask } from '../workflows/container-task.ts';

process.exitCode = await runContainerTask('bagvault-ingest-unpack', handler as never);
