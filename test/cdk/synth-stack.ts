/**
 * Synthesizes the Bagvault stack for template assertions: the feature flags of cdk.json (as a real
 * `cdk synth` uses them), extra context from the test, and Lambda bundling skipped for speed.
 */
import { readFileSync } from 'node:fs';
import { App } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { BagvaultStack } from '../../lib/bagvault-stack.ts';
import { readDeploymentOptions } from '../../lib/deployment-options.ts';

/** The feature flags and context of cdk.json, for tests that build their own App. */
export const cdkJson = JSON.parse(readFileSync(new URL('../../cdk.json', import.meta.url), 'utf8')) as {
  context: Record<string, unknown>;
};

export interface SynthesizedStack {
  app: App;
  stack: BagvaultStack;
  template: Template;
  /** The cloud assembly directory (file assets are staged there as `asset.{hash}{ext}`). */
  assemblyDir: string;
}

export function synthStack(context: Record<string, unknown> = {}): SynthesizedStack {
  const app = new App({
    context: { ...cdkJson.context, ...context, 'aws:cdk:bundling-stacks': [] },
  });
  const stack = new BagvaultStack(app, 'Bagvault', { options: readDeploymentOptions(app) });
  const template = Template.fromStack(stack);
  return { app, stack, template, assemblyDir: app.synth().directory };
}
