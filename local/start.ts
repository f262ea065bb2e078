import { optionsFromEnvironment, startLocalStack } from './stack.ts';

/** `npm start`: the single-machine edition of Bagvault. */
try {
  // One JSON line per request and per failed workflow step, on stdout with the handlers' own logs.
  const log = (line: string) => void process.stdout.write(`${line}\n`);
  const stack = await startLocalStack({ ...optionsFromEnvironment(), log });
  console.log(`Bagvault local stack is running.

  API:              ${stack.apiUrl}
  S3 endpoint:      ${stack.s3Endpoint}  (${stack.embedded.s3 ? `access key ${stack.s3Credentials.accessKeyId}, secret ${stack.s3Credentials.secretAccessKey}` : 'external'})
  DynamoDB:         ${stack.dynamoDBEndpoint}  (table ${stack.tableName}${stack.embedded.dynamodb ? '' : ', external'})
  Step Functions:   ${stack.stepFunctionsEndpoint}
  Buckets:          uploads=${stack.buckets.uploads} primary=${stack.buckets.primary} replica=${stack.buckets.replica} bundles=${stack.buckets.bundles} unpack=${stack.buckets.unpack}
  Data:             ${stack.home}
  Admin API key:    ${stack.adminKey}

  Try: curl -H "Authorization: ApiKey ${stack.adminKey}" ${stack.apiUrl}/spaces
`);
  const { ingests, carts, failed } = stack.recovered;
  if (ingests.length + carts.length > 0) {
    console.log(
      `Ended ${ingests.length} ingest(s) and ${carts.length} cart(s) the last run left unfinished` +
        (failed.length > 0 ? `; could not end ${failed.join(', ')} (tried again on the next start)` : ''),
    );
  }
  let stopping = false;
  void stack.failed.then(() => {
    stopping = true;
    process.exit(1);
  });
  const shutdown = (signal: string) => {
    if (stopping) return;
    stopping = true;
    console.log(`\n${signal}: stopping the local stack...`);
    stack.stop().then(
      () => process.exit(0),
      (error: unknown) => {
        console.error(error);
        process.exit(1);
      },
    );
  };
  process.on('SIGINT', () => shutdown('SIGINT'));
  process.on('SIGTERM', () => shutdown('SIGTERM'));
} catch (error) {
  console.error(`Could not start the local stack: ${(error as Error).message}`);
  process.exit(1);
}
