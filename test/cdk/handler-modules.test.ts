import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { routes } from '../../lambdas/http/routes.ts';
import { stateMachines } from '../../lambdas/workflows/tasks.ts';
import {
  allHandlerModules,
  AUTHORIZER_MODULE,
  moduleEntry,
  moduleExists,
  PROJECT_ROOT,
} from '../../lib/handler-modules.ts';

describe('handler modules', () => {
  it('are the authorizer, every route handler and every task handler', () => {
    const modules = allHandlerModules();
    expect(modules).toContain(AUTHORIZER_MODULE);
    for (const route of routes) expect(modules).toContain(`handlers/api/${route.handler}`);
    for (const machine of Object.values(stateMachines)) {
      for (const module of Object.values(machine.tasks)) expect(modules).toContain(`handlers/${module}`);
    }
    expect(new Set(modules).size).toBe(modules.length);
  });

  // Fails until every handler named by lambdas/http/routes.ts and lambdas/workflows/tasks.ts is
  // written; `npx cdk synth` (which bundles) needs them all.
  it('every handler module named by the route and task tables exists', () => {
    const missing = allHandlerModules()
      .filter((module) => !moduleExists(module))
      .map((module) => path.relative(PROJECT_ROOT, moduleEntry(module)));
    expect(missing).toEqual([]);
  });
});
