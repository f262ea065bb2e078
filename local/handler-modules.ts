import { fileURLToPath } from 'node:url';

/** The same handler modules CDK bundles, loaded in-process. */
export type LambdaHandler = (event: unknown, context: unknown) => Promise<unknown>;

const HANDLERS_DIR = new URL('../lambdas/handlers/', import.meta.url);
const cache = new Map<string, Promise<LambdaHandler>>();

export function handlerPath(module: string): string {
  return fileURLToPath(new URL(`${module}.ts`, HANDLERS_DIR));
}

export function loadHandler(modulePath: string): Promise<LambdaHandler> {
  let loaded = cache.get(modulePath);
  if (!loaded) {
    loaded = import(modulePath).then((module: { handler?: LambdaHandler }) => {
      if (typeof module.handler !== 'function') throw new Error(`${modulePath} does not export a handler`);
      return module.handler;
    });
    cache.set(modulePath, loaded);
  }
  return loaded;
}

/** Enough of Lambda's context object for middy and Powertools. */
export function lambdaContext(functionName: string) {
  return {
    functionName,
    functionVersion: '$LATEST',
    invokedFunctionArn: `arn:aws:lambda:us-east-1:000000000000:function:${functionName}`,
    memoryLimitInMB: '1024',
    awsRequestId: crypto.randomUUID(),
    logGroupName: `/aws/lambda/${functionName}`,
    logStreamName: 'local',
    callbackWaitsForEmptyEventLoop: false,
    getRemainingTimeInMillis: () => 900_000,
    done: () => undefined,
    fail: () => undefined,
    succeed: () => undefined,
  };
}
