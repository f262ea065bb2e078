/**
 * ECS tasks in the local stack: a Task whose Resource is `arn:aws:states:::ecs:runTask.sync` runs the
 * handler its task definition stands for (lambdas/workflows/tasks.ts `containerTasks`) in-process,
 * with the input the ASL's container overrides carry, as the container would read it.
 */
import { taskInputOf } from '../lambdas/workflows/container-task.ts';

export const ECS_RUN_TASK_SYNC = 'arn:aws:states:::ecs:runTask.sync';

export const localTaskDefinitionArn = (module: string) =>
  `arn:aws:ecs:us-east-1:000000000000:task-definition/bagvault-${module.replace('/', '-')}`;

/** Every task definition ARN the local runner substitutes, with its handler module. */
export function containerTaskModules(containerTasks: Record<string, string> = {}) {
  return Object.entries(containerTasks).map(([variable, module]) => ({
    variable,
    arn: localTaskDefinitionArn(module),
    module,
  }));
}

/** The handler module of an ECS Task state, or undefined when the state is no ECS task. */
export function containerModuleOf(state: Record<string, unknown>, moduleByArn: Map<string, string>) {
  if (state.Resource !== ECS_RUN_TASK_SYNC) return undefined;
  const parameters = state.Parameters as { TaskDefinition?: string } | undefined;
  return moduleByArn.get(parameters?.TaskDefinition ?? '');
}

interface RunTaskParameters {
  Overrides?: { ContainerOverrides?: { Environment?: { Name: string; Value: string }[] }[] };
}

/** What the container would read from its environment: the Task's input. */
export function containerTaskInput(parameters: unknown): unknown {
  const overrides = (parameters as RunTaskParameters).Overrides?.ContainerOverrides ?? [];
  const environment = Object.fromEntries(
    overrides.flatMap((override) => override.Environment ?? []).map((entry) => [entry.Name, entry.Value]),
  );
  return taskInputOf(environment);
}
