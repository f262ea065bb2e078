/**
 * The one DynamoDB table holding ingests, bags and versions, carts, spaces and API keys, with the
 * key schema every repository in lambdas/ uses (lambdas/table/keys.ts).
 */
import { RemovalPolicy } from 'aws-cdk-lib';
import { AttributeType, BillingMode, ProjectionType, Table, TableEncryption } from 'aws-cdk-lib/aws-dynamodb';
import { Construct } from 'constructs';
import { TABLE_KEYS } from '../lambdas/table/keys.ts';

export class StateTable extends Construct {
  readonly table: Table;

  constructor(scope: Construct, id: string) {
    super(scope, id);
    this.table = new Table(this, 'Table', {
      partitionKey: { name: TABLE_KEYS.partitionKey, type: AttributeType.STRING },
      sortKey: { name: TABLE_KEYS.sortKey, type: AttributeType.STRING },
      billingMode: BillingMode.PAY_PER_REQUEST,
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      encryption: TableEncryption.AWS_MANAGED,
      // Carts expire through TTL; nothing else carries the attribute.
      timeToLiveAttribute: TABLE_KEYS.ttlAttribute,
      // The registry of what the archive holds: never dropped with the stack, nor by accident.
      removalPolicy: RemovalPolicy.RETAIN,
      deletionProtection: true,
    });
    this.table.addGlobalSecondaryIndex({
      indexName: TABLE_KEYS.listIndex,
      partitionKey: { name: TABLE_KEYS.listPartitionKey, type: AttributeType.STRING },
      sortKey: { name: TABLE_KEYS.listSortKey, type: AttributeType.STRING },
      projectionType: ProjectionType.ALL,
    });
  }
}
