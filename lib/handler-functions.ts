/**
 * Builds one Lambda function per handler module, all alike: Node.js 22 on ARM, bundled locally by
 * esbuild into one ESM file, the shared environment, an explicit log group and X-Ray tracing.
 */
import { Duration, Size, Stack } from 'aws-cdk-lib';
import type { IRole } from 'aws-cdk-lib/aws-iam';
import { Architecture, Code, Runtime, Tracing } from 'aws-cdk-lib/aws-lambda';
import { type BundlingOptions, NodejsFunction, OutputFormat } from 'aws-cdk-lib/aws-lambda-nodejs';
import { LogGroup, RetentionDays } from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import { LOCK_FILE, moduleEntry, moduleExists, PROJECT_ROOT } from './handler-modules.ts';

/**
 * API functions answer within API Gateway's 30-second integration limit; workflow tasks stream
 * large files (unpack, verify, replicate, bundle), so they get the most time and memory.
 */
export const FUNCTION_PROFILES = {
  api: { memorySize: 256, timeout: Duration.seconds(29) },
  workflow: { memorySize: 1024, timeout: Duration.minutes(15) },
} as const;
export type FunctionProfile = keyof typeof FUNCTION_PROFILES;

export interface StepSize {
  memorySize: number;
  /** /tmp, where Verify and Register keep their sorted runs (Lambda's default is 512 MiB). */
  ephemeralStorageMiB?: number;
}

/**
 * Ingest steps sized to what each holds, over the workflow profile. Verify and Register keep memory
 * flat whatever the bag's size (sorted runs on /tmp; `npm run bench -- scale` measures their peak
 * RSS on a 1,000,000-file bag well under 512 MB) and need /tmp for about 1 KB per file at most; 1 GB
 * buys CPU for the sorting. Steps that only read or write a few items need little.
 */
export const STEP_SIZES: Record<string, StepSize> = {
  'handlers/ingest/verify-bag': { memorySize: 1024, ephemeralStorageMiB: 2048 },
  'handlers/ingest/register': { memorySize: 1024, ephemeralStorageMiB: 2048 },
  'handlers/ingest/detect-bag-root': { memorySize: 512 },
  'handlers/ingest/assign-version': { memorySize: 256 },
  'handlers/ingest/aggregate-replicas': { memorySize: 256 },
  'handlers/ingest/record-step': { memorySize: 256 },
  'handlers/ingest/callback': { memorySize: 256 },
  'handlers/ingest/record-failure': { memorySize: 512 },
};

export const LAMBDA_RUNTIME = Runtime.NODEJS_22_X;

const BUNDLING: BundlingOptions = {
  // The code base is ESM; a CJS dependency's `require` calls still need a `require` in scope.
  format: OutputFormat.ESM,
  mainFields: ['module', 'main'],
  banner:
    "import { createRequire as topLevelCreateRequire } from 'node:module'; const require = topLevelCreateRequire(import.meta.url);",
  target: 'node22',
  minify: true,
  sourceMap: true,
  // Ship the SDK versions the lock file pins (and the tests ran against), not the runtime's.
  bundleAwsSDK: true,
  // esbuild is a devDependency: bundle on this machine, never in Docker.
  forceDockerBundling: false,
};

/** Stands in for a handler whose module does not exist yet, only when bundling is skipped. */
const MISSING_MODULE_PLACEHOLDER = Code.fromInline(
  "exports.handler = async () => { throw new Error('Synthesized without this handler module'); };",
);

export interface HandlerFunctionsProps {
  /** Environment every function gets (lambdas/config.ts reads it). */
  environment: Record<string, string>;
  /** Roles made in advance for modules other resources must name (the deletion role); others get their own. */
  roles?: Record<string, IRole>;
}

export class HandlerFunctions extends Construct {
  private readonly environment: Record<string, string>;
  private readonly roles: Record<string, IRole>;
  private readonly byModule = new Map<string, NodejsFunction>();

  constructor(scope: Construct, id: string, props: HandlerFunctionsProps) {
    super(scope, id);
    this.environment = props.environment;
    this.roles = props.roles ?? {};
  }

  /** The function built from `module` (relative to lambdas/, see handler-modules.ts), once. */
  add(module: string, profile: FunctionProfile): NodejsFunction {
    const existing = this.byModule.get(module);
    if (existing) return existing;
    const id = constructIdOf(module);
    const logGroup = new LogGroup(this, `${id}Logs`, { retention: RetentionDays.ONE_YEAR });
    const size = profile === 'workflow' ? STEP_SIZES[module] : undefined;
    const fn = new NodejsFunction(this, id, {
      ...FUNCTION_PROFILES[profile],
      ...(size ? { memorySize: size.memorySize } : {}),
      ...(size?.ephemeralStorageMiB
        ? { ephemeralStorageSize: Size.mebibytes(size.ephemeralStorageMiB) }
        : {}),
      description: `Bagvault lambdas/${module}.ts`,
      runtime: LAMBDA_RUNTIME,
      architecture: Architecture.ARM_64,
      entry: moduleEntry(module),
      handler: 'handler',
      ...this.codeFor(module),
      projectRoot: PROJECT_ROOT,
      depsLockFilePath: LOCK_FILE,
      bundling: BUNDLING,
      environment: { ...this.environment, NODE_OPTIONS: '--enable-source-maps' },
      logGroup,
      tracing: Tracing.ACTIVE,
      role: this.roles[module],
    });
    this.byModule.set(module, fn);
    return fn;
  }

  get(module: string): NodejsFunction {
    const fn = this.byModule.get(module);
    if (!fn) throw new Error(`No function was built from lambdas/${module}.ts`);
    return fn;
  }

  all(): [module: string, fn: NodejsFunction][] {
    return [...this.byModule.entries()];
  }

  /**
   * Tests synthesize with bundling skipped and must not depend on every handler module existing yet;
   * a real synth (bundling required) still fails loudly on a missing module.
   */
  private codeFor(module: string): { code?: Code; handler?: string } {
    if (moduleExists(module)) return {};
    if (Stack.of(this).bundlingRequired) {
      throw new Error(
        `Handler module lambdas/${module}.ts does not exist (named by the route or task table)`,
      );
    }
    return { code: MISSING_MODULE_PLACEHOLDER, handler: 'index.handler' };
  }
}

/** `handlers/api/list-spaces` → `ApiListSpaces`, `auth/authorizer` → `AuthAuthorizer`. */
function constructIdOf(module: string): string {
  return module
    .replace(/^handlers\//, '')
    .split(/[/-]/)
    .map((word) => word.charAt(0).toUpperCase() + word.slice(1))
    .join('');
}
