/**
 * Runs the real Unpack handler against the local stack named by the inherited environment, and
 * freezes it once its first checkpoint is stored: it prints "checkpointed" and every later S3 or
 * DynamoDB request hangs, as an invocation about to time out would. The parent then kills it.
 * Usage: node test/ingest/unpack-until-checkpoint.ts {ingestId}
 */
import { s3 } from '../../lambdas/aws-clients.ts';
import { handlerPath, lambdaContext, loadHandler } from '../../local/handler-modules.ts';

let frozen = false;
s3().middlewareStack.add(
  (next) => async (args) => {
    if (frozen) return new Promise<never>(() => {});
    const result = await next(args);
    const key = (args.input as { Key?: string }).Key ?? '';
    if (key.endsWith('/unpacked/checkpoint.json')) {
      frozen = true;
      process.stdout.write('checkpointed\n');
    }
    return result;
  },
  { step: 'initialize', name: 'freezeAfterCheckpoint' },
);

const handler = await loadHandler(handlerPath('ingest/unpack'));
await handler({ ingestId: process.argv[2] }, lambdaContext('bagvault-ingest-unpack'));
process.stdout.write('finished\n');
