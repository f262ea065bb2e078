/** Small readers over a synthesized CloudFormation template, shared by the CDK tests. */
import type { CfnElement } from 'aws-cdk-lib';
import type { Template } from 'aws-cdk-lib/assertions';
import type { IConstruct } from 'constructs';
import { synthStack } from './synth-stack.ts';

export interface CfnResource {
  Type: string;
  Properties: Record<string, unknown>;
  DeletionPolicy?: string;
  UpdateReplacePolicy?: string;
}

export interface PolicyStatement {
  Effect: string;
  Action: string | string[];
  Resource: unknown;
}

export function resourcesOfType(template: Template, type: string): Record<string, CfnResource> {
  return template.findResources(type) as Record<string, CfnResource>;
}

/**
 * Flattens intrinsic functions into readable text: `{Ref: X}` → `<X>`, `{Fn::GetAtt: [X, Arn]}` →
 * `<X.Arn>`, `Fn::Join` joined; anything else as JSON.
 */
export function render(value: unknown): string {
  if (typeof value === 'string') return value;
  if (value && typeof value === 'object') {
    const object = value as Record<string, unknown>;
    if ('Ref' in object) return `<${String(object.Ref)}>`;
    if ('Fn::GetAtt' in object) {
      const [resource, attribute] = object['Fn::GetAtt'] as [string, string];
      return `<${resource}.${attribute}>`;
    }
    if ('Fn::Join' in object) {
      const [delimiter, parts] = object['Fn::Join'] as [string, unknown[]];
      return parts.map(render).join(delimiter);
    }
  }
  return JSON.stringify(value);
}

export function asArray<T>(value: T | T[] | undefined): T[] {
  if (value === undefined) return [];
  return Array.isArray(value) ? value : [value];
}

/** Logical ids of the resources a value references (Ref or GetAtt), anywhere inside it. */
export function referencedIds(value: unknown): Set<string> {
  const ids = new Set<string>();
  const visit = (node: unknown): void => {
    if (Array.isArray(node)) node.forEach(visit);
    else if (node && typeof node === 'object') {
      const object = node as Record<string, unknown>;
      if (typeof object.Ref === 'string') ids.add(object.Ref);
      if (Array.isArray(object['Fn::GetAtt'])) ids.add(object['Fn::GetAtt'][0] as string);
      Object.values(object).forEach(visit);
    }
  };
  visit(value);
  return ids;
}

/** Lambda functions by the handler module they are built from (their description names it). */
export function functionsByModule(template: Template): Map<string, string> {
  const byModule = new Map<string, string>();
  for (const [id, resource] of Object.entries(resourcesOfType(template, 'AWS::Lambda::Function'))) {
    const match = /^Bagvault lambdas\/(.+)\.ts$/.exec(String(resource.Properties.Description ?? ''));
    if (match) byModule.set(match[1], id);
  }
  return byModule;
}

/** The statements of every IAM policy attached to the role of a function. */
export function statementsOfRole(template: Template, roleId: string): PolicyStatement[] {
  return Object.values(resourcesOfType(template, 'AWS::IAM::Policy'))
    .filter((policy) => referencedIds(policy.Properties.Roles).has(roleId))
    .flatMap((policy) => (policy.Properties.PolicyDocument as { Statement: PolicyStatement[] }).Statement);
}

export function roleOfFunction(template: Template, functionId: string): string {
  const fn = resourcesOfType(template, 'AWS::Lambda::Function')[functionId];
  const [roleId] = referencedIds(fn.Properties.Role);
  return roleId;
}

export function allPolicyStatements(template: Template): PolicyStatement[] {
  return Object.values(resourcesOfType(template, 'AWS::IAM::Policy')).flatMap(
    (policy) => (policy.Properties.PolicyDocument as { Statement: PolicyStatement[] }).Statement,
  );
}

/** The synthesized stack with what most template tests look up first: functions and logical ids. */
export function synthForAssertions(context: Record<string, unknown> = {}) {
  const synthesized = synthStack(context);
  const { stack, template } = synthesized;
  return {
    ...synthesized,
    functions: functionsByModule(template),
    idOf: (construct: IConstruct) => stack.getLogicalId(construct.node.defaultChild as CfnElement),
  };
}

/** A Bagvault metric alarm that fires on the first count of its metric (lib/monitoring-alarms.ts). */
export const ALARM_ON_FIRST_OCCURRENCE = {
  Namespace: 'Bagvault',
  Dimensions: [{ Name: 'service', Value: 'bagvault' }],
  Statistic: 'Sum',
  Threshold: 1,
  ComparisonOperator: 'GreaterThanOrEqualToThreshold',
  TreatMissingData: 'notBreaching',
};
