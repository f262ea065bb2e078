import { QueryCommand, type QueryCommandInput, type QueryCommandOutput } from '@aws-sdk/lib-dynamodb';
import { dynamo } from '../aws-clients.ts';

/**
 * Every page of a query, following LastEvaluatedKey from `input.ExclusiveStartKey` (the start when
 * absent); a caller that has enough stops with `break`. With `most`, each page asks only for the
 * items still wanted and the walk ends once `most` have been read.
 */
export async function* queryPages(
  input: QueryCommandInput,
  most?: number,
): AsyncGenerator<QueryCommandOutput, void, undefined> {
  let startKey = input.ExclusiveStartKey;
  let read = 0;
  do {
    const page = await dynamo().send(
      new QueryCommand({
        ...input,
        ...(most === undefined ? {} : { Limit: most - read }),
        ExclusiveStartKey: startKey,
      }),
    );
    yield page;
    read += page.Items?.length ?? 0;
    startKey = page.LastEvaluatedKey;
  } while (startKey && (most === undefined || read < most));
}
