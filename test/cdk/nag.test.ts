import { Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { describe, expect, it } from 'vitest';
import { synthStack } from './synth-stack.ts';

describe('cdk-nag AwsSolutions checks', () => {
  // Synthesis runs the aspect that acknowledges the accepted IAM findings; then the pack walks the tree.
  const { app } = synthStack();
  const report = new AwsSolutionsChecks(app).validateScope(app);
  const findings = (severity: string) =>
    report.violations
      .filter((violation) => violation.severity === severity)
      .map(
        (v) =>
          `${v.ruleName}: ${v.description} at ${v.violatingResources.map((r) => r.constructPath).join(', ')}`,
      );

  it('report no unacknowledged error', () => {
    expect(findings('error')).toEqual([]);
  });

  it('report no unacknowledged warning', () => {
    expect(findings('warning')).toEqual([]);
    expect(report.success).toBe(true);
  });

  it('acknowledge every accepted finding with a reason', () => {
    const acknowledgements = app.node
      .findAll()
      .flatMap((construct) => construct.node.metadata)
      .filter((entry) => entry.type === Validations.ACKNOWLEDGED_RULES_METADATA_KEY)
      .flatMap((entry) => Object.entries(entry.data as Record<string, string>))
      // CDK's own constructs (the Unpack task's VPC and its flow log) acknowledge cfn-lint findings
      // about what they generate; every other acknowledgement is ours.
      .filter(([id]) => !id.startsWith('CloudFormation-Validate::'));
    expect(acknowledgements.length).toBeGreaterThan(0);
    for (const [id, reason] of acknowledgements) {
      expect(id).toMatch(/AwsSolutions-/);
      expect(reason.length, id).toBeGreaterThan(20);
    }
  });
});
