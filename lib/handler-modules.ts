/**
 * Where the Lambda code lives. Every function the stack deploys is built from one module under
 * `lambdas/`, named here by its path relative to `lambdas/` without the `.ts` extension
 * (e.g. `handlers/api/list-spaces`), so the access table, the functions and the tests use one key.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { routeHandlers } from '../lambdas/http/routes.ts';
import { type StateMachineName, stateMachines } from '../lambdas/workflows/tasks.ts';

/** The repository root: lib/ sits directly below it. */
export const PROJECT_ROOT = fileURLToPath(new URL('..', import.meta.url));
export const LAMBDAS_DIR = path.join(PROJECT_ROOT, 'lambdas');
export const STATE_MACHINES_DIR = path.join(PROJECT_ROOT, 'statemachines');
export const LOCK_FILE = path.join(PROJECT_ROOT, 'package-lock.json');

export const AUTHORIZER_MODULE = 'auth/authorizer';
/** The fixity schedule's sweep, started by EventBridge Scheduler. */
export const FIXITY_SWEEP_MODULE = 'handlers/fixity/sweep';
/** The deletion re-drive sweep, started by EventBridge Scheduler. */
export const DELETION_REDRIVE_MODULE = 'handlers/deletion/redrive';

/** The module of an API route handler named in lambdas/http/routes.ts. */
export function apiHandlerModule(handler: string): string {
  return `handlers/api/${handler}`;
}

/** The module of a state machine Task handler named in lambdas/workflows/tasks.ts. */
export function taskHandlerModule(module: string): string {
  return `handlers/${module}`;
}

export function moduleEntry(module: string): string {
  return path.join(LAMBDAS_DIR, `${module}.ts`);
}

export function moduleExists(module: string): boolean {
  return existsSync(moduleEntry(module));
}

export function apiHandlerModules(): string[] {
  return routeHandlers().map(apiHandlerModule);
}

export function taskHandlerModules(name: StateMachineName): string[] {
  return [...new Set(Object.values(stateMachines[name].tasks))].map(taskHandlerModule);
}

/** Every module the stack builds a function from, each once. */
export function allHandlerModules(): string[] {
  const names = Object.keys(stateMachines) as StateMachineName[];
  return [
    AUTHORIZER_MODULE,
    ...apiHandlerModules(),
    ...names.flatMap(taskHandlerModules),
    FIXITY_SWEEP_MODULE,
    DELETION_REDRIVE_MODULE,
  ];
}
