/**
 * Restores of cart files complete through S3 events (issue 11 item 4): the storage buckets send their
 * events to EventBridge, one rule hands S3's "Object Restore Completed" of exactly those buckets to the
 * handler that counts carts down, and that handler may touch the table and nothing else.
 */
import { describe, expect, it } from 'vitest';
import { RESTORE_COMPLETED_MODULE, taskHandlerModule } from '../../lib/handler-modules.ts';
import {
  referencedIds,
  render,
  resourcesOfType,
  roleOfFunction,
  statementsOfRole,
  synthForAssertions,
} from './template-helpers.ts';

const { stack, template, functions, idOf } = synthForAssertions();
const storageIds = stack.buckets.storageBuckets().map(idOf);
const restoreRules = Object.values(resourcesOfType(template, 'AWS::Events::Rule')).filter((rule) =>
  render(rule.Properties.EventPattern).includes('Object Restore Completed'),
);

describe('S3 restore events', () => {
  it('the primary and replica buckets send their events to EventBridge; the others do not', () => {
    const buckets = resourcesOfType(template, 'AWS::S3::Bucket');
    const sending = Object.keys(buckets).filter(
      (id) =>
        (buckets[id]!.Properties.NotificationConfiguration as { EventBridgeConfiguration?: unknown })
          ?.EventBridgeConfiguration !== undefined,
    );
    expect(sending.sort()).toEqual([...storageIds].sort());
    for (const id of storageIds)
      expect(buckets[id]!.Properties.NotificationConfiguration).toEqual({
        EventBridgeConfiguration: { EventBridgeEnabled: true },
      });
  });

  it('one rule sends S3 "Object Restore Completed" events of those buckets to the restore handler', () => {
    expect(restoreRules).toHaveLength(1);
    const rule = restoreRules[0]!;
    const pattern = rule.Properties.EventPattern as {
      source: string[];
      'detail-type': string[];
      detail: { bucket: { name: unknown[] } };
    };
    expect(pattern.source).toEqual(['aws.s3']);
    expect(pattern['detail-type']).toEqual(['Object Restore Completed']);
    expect(pattern.detail.bucket.name.map((name) => [...referencedIds(name)][0]).sort()).toEqual(
      [...storageIds].sort(),
    );
    const targets = rule.Properties.Targets as { Arn: unknown; RetryPolicy?: unknown }[];
    expect(targets.map((target) => [...referencedIds(target.Arn)][0])).toEqual([
      functions.get(RESTORE_COMPLETED_MODULE),
    ]);
    expect(targets[0]!.RetryPolicy).toMatchObject({ MaximumRetryAttempts: 185 });
  });

  it('only EventBridge may invoke the restore handler, and only through that rule', () => {
    const permissions = Object.values(resourcesOfType(template, 'AWS::Lambda::Permission')).filter(
      (permission) =>
        referencedIds(permission.Properties.FunctionName).has(functions.get(RESTORE_COMPLETED_MODULE)!),
    );
    expect(permissions).toHaveLength(1);
    expect(permissions[0]!.Properties.Principal).toBe('events.amazonaws.com');
  });

  it('the restore handler touches the table alone; the CheckRestores task only reads it', () => {
    const tableId = idOf(stack.stateTable.table);
    for (const [module, write] of [
      [RESTORE_COMPLETED_MODULE, true],
      [taskHandlerModule('cart/check-restores'), false],
    ] as const) {
      const statements = statementsOfRole(template, roleOfFunction(template, functions.get(module)!)).filter(
        (statement) => statement.Effect === 'Allow',
      );
      const touched = new Set(statements.flatMap((statement) => [...referencedIds(statement.Resource)]));
      expect([...touched], module).toEqual([tableId]);
      const actions = statements.flatMap((statement) => [statement.Action].flat());
      expect(actions.includes('dynamodb:UpdateItem'), module).toBe(write);
    }
  });

  it('the cart state machine waits for restores by reading the count between waits', () => {
    const machine = Object.values(resourcesOfType(template, 'AWS::StepFunctions::StateMachine')).find(
      (candidate) => render(candidate.Properties.StateMachineName).endsWith('-cart'),
    )!;
    const substituted = machine.Properties.DefinitionSubstitutions as Record<string, unknown>;
    expect([...referencedIds(substituted.CheckRestoresFunctionArn)]).toEqual([
      functions.get(taskHandlerModule('cart/check-restores')),
    ]);
  });
});
