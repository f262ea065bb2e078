import { PutCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { dynamo } from '../aws-clients.ts';
import { config } from '../config.ts';
import { Conflict, NotFound } from '../errors.ts';
import { spaceIdProblem } from '../identifiers.ts';
import { invalidAt, parseRequest, rejectIfAny } from '../schemas/problems.ts';
import { z } from 'zod';
import { quoted } from '../client-text.ts';
import { object, optional, text } from '../schemas/request-fields.ts';
import { isConditionFailure } from '../table/conditions.ts';
import { type Space, spaceItem, spaceKey, toSpace } from './space-repository.ts';

/** Bytes, or `null` for no quota. */
const quotaProblem = (issue: { input?: unknown }) =>
  `expected a non-negative integer (bytes) or null, got ${quoted(issue.input)}.`;
const quota = z.int({ error: quotaProblem }).min(0, { error: quotaProblem });

const MAX_DESCRIPTION = 1000;
const description = text((value) =>
  value.length > MAX_DESCRIPTION ? `must be at most ${MAX_DESCRIPTION} characters.` : undefined,
);

export const createSpaceRequestSchema = object({
  type: optional(text((value) => (value === 'Space' ? undefined : 'must be "Space".'))),
  id: text(spaceIdProblem),
  description: optional(description),
  quota: optional(quota),
});

export const updateSpaceRequestSchema = object({
  description: optional(description),
  quota: optional(quota),
});

/** POST /spaces: a new space; an id already taken is a Conflict. */
export async function createSpace(body: unknown): Promise<Space> {
  const input = parseRequest(body, createSpaceRequestSchema);
  const item = spaceItem(input.id, input.description ?? '', input.quota ?? null);
  try {
    await dynamo().send(
      new PutCommand({
        TableName: config().tableName,
        Item: item,
        ConditionExpression: 'attribute_not_exists(pk)',
      }),
    );
  } catch (error) {
    if (isConditionFailure(error)) throw new Conflict(`Space ${input.id} already exists`);
    throw error;
  }
  return toSpace(item);
}

/**
 * PATCH /spaces/{id}: changes description and/or quota (`"quota": null` removes the quota). `used`
 * and `bagCount` belong to the ingest and deletion workflows and are never set here.
 */
export async function updateSpace(id: string, body: unknown): Promise<Space> {
  const input = parseRequest(body, updateSpaceRequestSchema);
  const removesQuota = input.quota === null;
  const sets: string[] = [];
  const values: Record<string, unknown> = {};
  if (input.description !== undefined) {
    sets.push('description = :description');
    values[':description'] = input.description;
  }
  if (input.quota !== undefined || removesQuota) {
    sets.push('quota = :quota');
    values[':quota'] = input.quota ?? null;
  }
  rejectIfAny(sets.length === 0 ? [invalidAt('', 'supply description and/or quota to change.')] : []);
  try {
    const { Attributes } = await dynamo().send(
      new UpdateCommand({
        TableName: config().tableName,
        Key: spaceKey(id),
        UpdateExpression: `SET ${sets.join(', ')}`,
        ConditionExpression: 'attribute_exists(pk)',
        ExpressionAttributeValues: values,
        ReturnValues: 'ALL_NEW',
      }),
    );
    return toSpace(Attributes ?? {});
  } catch (error) {
    if (isConditionFailure(error)) throw new NotFound(`Space not found: ${id}`);
    throw error;
  }
}
