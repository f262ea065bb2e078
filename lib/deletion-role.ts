/**
 * The deletion workflow's role: the one principal that may lift legal holds and delete stored object
 * versions (SPEC §5.6). It exists before the functions and buckets, so the storage buckets' policy
 * can name it as its only exemption, and the deleting task's function is built with it.
 */
import { ManagedPolicy, Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { Construct } from 'constructs';
import { taskHandlerModule } from './handler-modules.ts';

/** The task that deletes stored objects; every other deletion step keeps its own, narrower role. */
export const DELETING_MODULE = taskHandlerModule('deletion/delete-objects');

export class DeletionRole extends Construct {
  readonly role: Role;

  constructor(scope: Construct, id: string) {
    super(scope, id);
    this.role = new Role(this, 'Role', {
      assumedBy: new ServicePrincipal('lambda.amazonaws.com'),
      description: 'Bagvault deletion workflow: the only principal allowed to delete stored objects',
      managedPolicies: [ManagedPolicy.fromAwsManagedPolicyName('service-role/AWSLambdaBasicExecutionRole')],
    });
  }
}
