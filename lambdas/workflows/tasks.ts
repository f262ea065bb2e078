/**
 * Which handler runs each Task of each state machine: the ASL files name a substitution variable in
 * every Task's `Resource` (e.g. `${UnpackFunctionArn}`); CDK substitutes the ARN of a function built
 * from the handler module named here, and the local stack runs the same module in-process.
 * Handler modules live under lambdas/handlers/ and export `handler`.
 */
export interface StateMachineDefinition {
  /** The ASL file under statemachines/. */
  file: string;
  /** Substitution variable → handler module (relative to lambdas/handlers, no extension). */
  tasks: Record<string, string>;
  /**
   * Tasks run as ECS Fargate tasks (`arn:aws:states:::ecs:runTask.sync`): the substitution variable of
   * the Task's `TaskDefinition` → the handler module the container runs (lambdas/containers/ gives
   * each its entry point). The local stack runs that handler in-process, like any other Task.
   */
  containerTasks?: Record<string, string>;
}

export const stateMachines = {
  ingest: {
    file: 'ingest.asl.json',
    tasks: {
      MeasureArchiveFunctionArn: 'ingest/measure-archive',
      UnpackFunctionArn: 'ingest/unpack',
      DetectBagRootFunctionArn: 'ingest/detect-bag-root',
      VerifyBagFunctionArn: 'ingest/verify-bag',
      AssignVersionFunctionArn: 'ingest/assign-version',
      RecordStepFunctionArn: 'ingest/record-step',
      ReplicateChunkFunctionArn: 'ingest/replicate-chunk',
      VerifyReplicaChunkFunctionArn: 'ingest/verify-replica-chunk',
      AggregateReplicasFunctionArn: 'ingest/aggregate-replicas',
      RegisterFunctionArn: 'ingest/register',
      CallbackFunctionArn: 'ingest/callback',
      RecordFailureFunctionArn: 'ingest/record-failure',
    },
    containerTasks: {
      UnpackTaskDefinitionArn: 'ingest/unpack',
    },
  },
  cart: {
    file: 'cart.asl.json',
    tasks: {
      StageCartFunctionArn: 'cart/stage',
      BundleCartFunctionArn: 'cart/bundle',
      RecordCartErrorFunctionArn: 'cart/record-error',
    },
  },
  fixity: {
    file: 'fixity.asl.json',
    tasks: {
      PrepareFixityFunctionArn: 'fixity/prepare',
      CheckFixityChunkFunctionArn: 'fixity/check-chunk',
      FindUntrackedFunctionArn: 'fixity/find-untracked',
      ComputeChecksumsFunctionArn: 'fixity/compute-checksums',
      CollectChecksumsFunctionArn: 'fixity/collect-checksums',
      FinishFixityFunctionArn: 'fixity/finish',
      RecordFixityFailureFunctionArn: 'fixity/record-failure',
    },
  },
  deletion: {
    file: 'deletion.asl.json',
    tasks: {
      PrepareDeletionFunctionArn: 'deletion/prepare',
      DeleteStoredObjectsFunctionArn: 'deletion/delete-objects',
      FinishDeletionFunctionArn: 'deletion/finish',
    },
  },
} as const satisfies Record<string, StateMachineDefinition>;

export type StateMachineName = keyof typeof stateMachines;
