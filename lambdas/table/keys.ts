/**
 * The single DynamoDB table's key schema. Items carry `pk`/`sk`; lists use the `gsi1` index
 * (`gsi1pk`/`gsi1sk`); carts expire through TTL on `expiresAt` (epoch seconds).
 */
export const TABLE_KEYS = {
  partitionKey: 'pk',
  sortKey: 'sk',
  listIndex: 'gsi1',
  listPartitionKey: 'gsi1pk',
  listSortKey: 'gsi1sk',
  ttlAttribute: 'expiresAt',
} as const;
