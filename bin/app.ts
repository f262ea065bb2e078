/**
 * The CDK app: `npx cdk synth`, `npx cdk deploy` (cdk.json runs this file with Node 22).
 *
 * Context options (`npx cdk deploy -c replicaStorageClass=GLACIER -c cartTtlDays=3`):
 *   replicaStorageClass    storage class of the replica's objects: STANDARD, STANDARD_IA, ONEZONE_IA,
 *                          INTELLIGENT_TIERING, GLACIER_IR, GLACIER or DEEP_ARCHIVE (default DEEP_ARCHIVE)
 *   cartTtlDays            days a cart and its bundle live (default 7)
 *   presignExpiresSeconds  lifetime of presigned upload/download URLs (default 900, at most 604800)
 *   uploadExpiryDays       days an upload stays in the upload bucket (default 14)
 *   maxUnpackedBytes       the largest expanded size of an uploaded archive (default 1 TiB)
 *   maxUnpackedFiles       the most files an uploaded archive may hold (default 1000000)
 *   fixityIntervalDays     re-check every bag's fixity when its last check is this old (default 90)
 *   fixityMaxConcurrentRuns  scheduled fixity runs in flight at once, at most (default 4)
 *   fixitySweepMinutes     minutes between two sweeps of the fixity schedule (default 60)
 *   corsAllowOrigins       browser origins allowed to call the API, comma-separated (default none)
 *   fargateUnpackAboveBytes  archives larger than this unpack on ECS Fargate (default 20000000000)
 *   unpackVpcId, unpackSubnetIds  run the Fargate Unpack task in these subnets of an existing VPC
 *                          (with a route to AWS APIs); default: a VPC of its own with public subnets
 *
 * AWS Solutions checks (cdk-nag) run on every synth: an unacknowledged error fails it, warnings are
 * printed. Accepted findings and their reasons are in lib/nag-suppressions.ts.
 */
import { App, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { BagvaultStack } from '../lib/bagvault-stack.ts';
import { readDeploymentOptions } from '../lib/deployment-options.ts';

const app = new App();
new BagvaultStack(app, 'Bagvault', {
  description: 'Bagvault: serverless BagIt preservation storage',
  options: readDeploymentOptions(app),
});
Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
