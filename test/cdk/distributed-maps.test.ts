import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { stateMachines } from '../../lambdas/workflows/tasks.ts';
import { STATE_MACHINES_DIR } from '../../lib/handler-modules.ts';
import { synthStack } from './synth-stack.ts';
import {
  allPolicyStatements,
  asArray,
  type CfnResource,
  referencedIds,
  render,
  resourcesOfType,
  statementsOfRole,
} from './template-helpers.ts';

const { template, assemblyDir } = synthStack();
const machines = resourcesOfType(template, 'AWS::StepFunctions::StateMachine');
const [unpackBucketId] = Object.keys(resourcesOfType(template, 'AWS::S3::Bucket')).filter((id) =>
  id.includes('UnpackBucket'),
);

type JsonObject = Record<string, unknown>;

function machineNamed(name: string): CfnResource {
  return Object.values(machines).find(
    (machine) => machine.Properties.StateMachineName === `Bagvault-${name}`,
  )!;
}

/** The definition as CloudFormation deploys it (the staged asset). */
function deployedDefinition(name: string): JsonObject {
  const { Key } = machineNamed(name).Properties.DefinitionS3Location as { Key: string };
  return JSON.parse(readFileSync(path.join(assemblyDir, `asset.${Key}`), 'utf8')) as JsonObject;
}

/** Every state of a definition by name, inside Map processors too. */
function statesOf(definition: JsonObject): Map<string, JsonObject> {
  const found = new Map<string, JsonObject>();
  const visit = (states: Record<string, JsonObject>) => {
    for (const [name, state] of Object.entries(states)) {
      found.set(name, state);
      const processor = state.ItemProcessor as { States: Record<string, JsonObject> } | undefined;
      if (processor) visit(processor.States);
    }
  };
  visit(definition.States as Record<string, JsonObject>);
  return found;
}

function roleStatements(name: string) {
  const [roleId] = referencedIds(machineNamed(name).Properties.RoleArn);
  return statementsOfRole(template, roleId!);
}

const withAction = (name: string, action: string) =>
  roleStatements(name).filter((statement) => asArray(statement.Action).includes(action));

const CHUNK_MAPS = {
  ingest: { ReplicatingChunks: '$.chunkList', VerifyingChunks: '$.chunkList' },
  fixity: { CheckingChunks: '$.prepared.chunkList' },
} as const;

describe.each(Object.keys(CHUNK_MAPS) as (keyof typeof CHUNK_MAPS)[])(
  'the %s state machine’s Distributed Maps',
  (name) => {
    const states = statesOf(deployedDefinition(name));

    it.each(Object.entries(CHUNK_MAPS[name]))(
      '%s reads its items from the chunk index in S3 (never from state), in batches, as STANDARD child executions with no failure tolerated',
      (stateName, chunkList) => {
        const state = states.get(stateName)!;
        expect(state).toMatchObject({
          Type: 'Map',
          ItemReader: {
            Resource: 'arn:aws:states:::s3:getObject',
            ReaderConfig: { InputType: 'JSON' },
            Parameters: { 'Bucket.$': `${chunkList}.bucket`, 'Key.$': `${chunkList}.key` },
          },
          ItemProcessor: { ProcessorConfig: { Mode: 'DISTRIBUTED', ExecutionType: 'STANDARD' } },
          ToleratedFailurePercentage: 0,
        });
        expect(state.ItemsPath).toBeUndefined();
        expect((state.ItemBatcher as { MaxItemsPerBatch: number }).MaxItemsPerBatch).toBeGreaterThan(1);
        // No child output comes back into the parent's state.
        expect(state.ResultPath).toBeNull();
      },
    );

    it('may start executions of itself only, and describe and stop only its own child executions', () => {
      const machineName = `Bagvault-${name}`;
      const start = withAction(name, 'states:StartExecution');
      expect(start.flatMap((statement) => asArray(statement.Resource).map(render))).toEqual([
        `arn:<AWS::Partition>:states:<AWS::Region>:<AWS::AccountId>:stateMachine:${machineName}`,
      ]);
      for (const action of ['states:DescribeExecution', 'states:StopExecution']) {
        expect(
          withAction(name, action).flatMap((statement) => asArray(statement.Resource).map(render)),
        ).toEqual([`arn:<AWS::Partition>:states:<AWS::Region>:<AWS::AccountId>:execution:${machineName}/*`]);
      }
    });

    it('may read objects of the work area in the unpack bucket only, for its ItemReaders', () => {
      const reads = withAction(name, 's3:GetObject');
      expect(reads.flatMap((statement) => asArray(statement.Resource).map(render))).toEqual([
        `<${unpackBucketId}.Arn>/.work/*`,
      ]);
      expect(reads.flatMap((statement) => asArray(statement.Action))).toEqual(['s3:GetObject']);
    });
  },
);

describe('the ingest state machine', () => {
  it('runs each location as a child execution, so a location’s Distributed Maps are nested in a Distributed Map', () => {
    const replicating = statesOf(deployedDefinition('ingest')).get('Replicating')!;
    expect(replicating).toMatchObject({
      ItemsPath: '$.assigned.locations',
      ItemProcessor: { ProcessorConfig: { Mode: 'DISTRIBUTED', ExecutionType: 'STANDARD' } },
      ToleratedFailurePercentage: 0,
    });
  });
});

describe('state machines without Distributed Maps', () => {
  it.each(['cart', 'deletion'])('%s may neither start executions nor read S3', (name) => {
    if (!(name in stateMachines)) return;
    const definition = readFileSync(path.join(STATE_MACHINES_DIR, `${name}.asl.json`), 'utf8');
    expect(definition).not.toContain('DISTRIBUTED');
    expect(withAction(name, 'states:StartExecution')).toEqual([]);
    expect(withAction(name, 's3:GetObject')).toEqual([]);
  });

  it('no policy anywhere grants StartExecution on a wildcard', () => {
    const starts = allPolicyStatements(template).filter((statement) =>
      asArray(statement.Action).includes('states:StartExecution'),
    );
    for (const statement of starts)
      for (const resource of asArray(statement.Resource)) expect(render(resource)).not.toMatch(/\*/);
  });
});
