/**
 * The Fargate side of Unpacking: archives above `fargateUnpackAboveBytes` unpack as an ECS task the
 * ingest state machine starts itself (`arn:aws:states:::ecs:runTask.sync`), running the same Unpack
 * handler as the Lambda (lambdas/containers/ingest-unpack.ts). The image is a Docker asset: `cdk synth`
 * only stages its small context, `cdk deploy` builds and pushes it.
 */
import { Arn, ArnFormat, IgnoreMode, Stack } from 'aws-cdk-lib';
import {
  FlowLogDestination,
  GatewayVpcEndpointAwsService,
  type IVpc,
  Peer,
  Port,
  SecurityGroup,
  SubnetType,
  Vpc,
} from 'aws-cdk-lib/aws-ec2';
import { Platform } from 'aws-cdk-lib/aws-ecr-assets';
import {
  Cluster,
  ContainerImage,
  ContainerInsights,
  CpuArchitecture,
  FargateTaskDefinition,
  LogDrivers,
  OperatingSystemFamily,
} from 'aws-cdk-lib/aws-ecs';
import { type IGrantable, type IRole, PolicyStatement } from 'aws-cdk-lib/aws-iam';
import { LogGroup, RetentionDays } from 'aws-cdk-lib/aws-logs';
import type { StateMachine } from 'aws-cdk-lib/aws-stepfunctions';
import { Construct } from 'constructs';
import { PROJECT_ROOT } from './handler-modules.ts';

/** The container's name in the task definition, which the ASL's container overrides name. */
export const UNPACK_CONTAINER = 'unpack';

/** 2 vCPU: gunzip and tar parsing on one core, hashing on the other (the hash pool sees 2 cores). */
export const UNPACK_TASK_CPU = 2048;
export const UNPACK_TASK_MEMORY_MB = 4096;

export interface UnpackTaskProps {
  /** The environment every handler gets (handler-environment.ts). */
  environment: Record<string, string>;
  /** Subnets of an existing VPC to run in (context `unpackSubnetIds`, with `unpackVpcId`); else a VPC is made. */
  network?: { vpcId: string; subnetIds: string[] };
}

export class UnpackTask extends Construct {
  readonly cluster: Cluster;
  readonly taskDefinition: FargateTaskDefinition;
  readonly securityGroup: SecurityGroup;
  private readonly subnetIds: string[];
  /** A VPC made here has public subnets only (no NAT gateway to pay for): the task needs a public IP. */
  private readonly assignPublicIp: boolean;

  constructor(scope: Construct, id: string, props: UnpackTaskProps) {
    super(scope, id);
    let vpc: IVpc;
    if (props.network) {
      vpc = Vpc.fromVpcAttributes(this, 'Vpc', {
        vpcId: props.network.vpcId,
        availabilityZones: Stack.of(this).availabilityZones,
      });
      this.subnetIds = props.network.subnetIds;
      this.assignPublicIp = false;
    } else {
      const made = new Vpc(this, 'Vpc', {
        maxAzs: 2,
        natGateways: 0,
        subnetConfiguration: [{ name: 'unpack', subnetType: SubnetType.PUBLIC }],
        // S3 and DynamoDB traffic (nearly all of it) stays on the gateway endpoints, which cost nothing.
        gatewayEndpoints: {
          S3: { service: GatewayVpcEndpointAwsService.S3 },
          DynamoDB: { service: GatewayVpcEndpointAwsService.DYNAMODB },
        },
        flowLogs: {
          rejected: {
            destination: FlowLogDestination.toCloudWatchLogs(
              new LogGroup(this, 'FlowLogs', { retention: RetentionDays.ONE_YEAR }),
            ),
          },
        },
        // Nothing runs in the default security group; restricting it would add a custom-resource Lambda.
        restrictDefaultSecurityGroup: false,
      });
      vpc = made;
      this.subnetIds = made.publicSubnets.map((subnet) => subnet.subnetId);
      this.assignPublicIp = true;
    }
    // No inbound rule at all: the task only calls AWS APIs.
    this.securityGroup = new SecurityGroup(this, 'SecurityGroup', {
      vpc,
      description: 'Bagvault Fargate Unpack task: outbound HTTPS to AWS APIs only, no inbound',
      allowAllOutbound: false,
    });
    this.securityGroup.addEgressRule(
      Peer.anyIpv4(),
      Port.tcp(443),
      'AWS APIs (S3, DynamoDB, Step Functions, ECR, CloudWatch Logs)',
    );
    this.cluster = new Cluster(this, 'Cluster', { vpc, containerInsightsV2: ContainerInsights.ENABLED });
    this.taskDefinition = new FargateTaskDefinition(this, 'TaskDefinition', {
      cpu: UNPACK_TASK_CPU,
      memoryLimitMiB: UNPACK_TASK_MEMORY_MB,
      runtimePlatform: {
        cpuArchitecture: CpuArchitecture.ARM64,
        operatingSystemFamily: OperatingSystemFamily.LINUX,
      },
    });
    this.taskDefinition.addContainer(UNPACK_CONTAINER, {
      image: ContainerImage.fromAsset(PROJECT_ROOT, {
        file: 'lambdas/containers/Dockerfile',
        platform: Platform.LINUX_ARM64,
        ignoreMode: IgnoreMode.DOCKER,
        // The build context: only what the image copies, so synth stages (and hashes) a few hundred KB.
        exclude: ['*', '!package.json', '!package-lock.json', '!lambdas'],
      }),
      essential: true,
      readonlyRootFilesystem: true,
      environment: { ...props.environment, BAGVAULT_TASK_MEMORY_MB: String(UNPACK_TASK_MEMORY_MB) },
      logging: LogDrivers.awsLogs({
        streamPrefix: 'unpack',
        logGroup: new LogGroup(this, 'Logs', { retention: RetentionDays.ONE_YEAR }),
      }),
    });
  }

  /** The role the container's code runs with: grant it what the Unpack handler needs. */
  get taskRole(): IRole & IGrantable {
    return this.taskDefinition.taskRole;
  }

  /** The definition substitutions the ASL's UnpackingOnFargate state names. */
  substitutions(): Record<string, string> {
    return {
      UnpackClusterArn: this.cluster.clusterArn,
      UnpackTaskDefinitionArn: this.taskDefinition.taskDefinitionArn,
      UnpackSubnetIds: this.subnetIds.join(','),
      UnpackSecurityGroupId: this.securityGroup.securityGroupId,
      UnpackAssignPublicIp: this.assignPublicIp ? 'ENABLED' : 'DISABLED',
    };
  }

  /**
   * What `ecs:runTask.sync` needs from the state machine's role: run this task definition, pass its
   * two roles, watch and stop its tasks, and the managed EventBridge rule Step Functions uses to hear
   * that a task stopped.
   */
  grantRun(stateMachine: StateMachine): void {
    const stack = Stack.of(this);
    stateMachine.addToRolePolicy(
      new PolicyStatement({
        actions: ['ecs:RunTask'],
        resources: [this.taskDefinition.taskDefinitionArn],
        conditions: { ArnEquals: { 'ecs:cluster': this.cluster.clusterArn } },
      }),
    );
    stateMachine.addToRolePolicy(
      new PolicyStatement({
        actions: ['ecs:StopTask', 'ecs:DescribeTasks'],
        resources: [
          stack.formatArn({
            service: 'ecs',
            resource: 'task',
            resourceName: `${this.cluster.clusterName}/*`,
            arnFormat: ArnFormat.SLASH_RESOURCE_NAME,
          }),
        ],
      }),
    );
    stateMachine.addToRolePolicy(
      new PolicyStatement({
        actions: ['iam:PassRole'],
        resources: [this.taskDefinition.taskRole.roleArn, this.taskDefinition.obtainExecutionRole().roleArn],
        conditions: { StringEquals: { 'iam:PassedToService': 'ecs-tasks.amazonaws.com' } },
      }),
    );
    stateMachine.addToRolePolicy(
      new PolicyStatement({
        actions: ['events:PutTargets', 'events:PutRule', 'events:DescribeRule'],
        resources: [
          Arn.format(
            { service: 'events', resource: 'rule', resourceName: 'StepFunctionsGetEventsForECSTaskRule' },
            stack,
          ),
        ],
      }),
    );
  }

  /** The container answers its Task through the task token (lambdas/workflows/container-task.ts). */
  grantTaskResponse(stateMachineArn: string): void {
    this.taskRole.addToPrincipalPolicy(
      new PolicyStatement({
        actions: ['states:SendTaskSuccess', 'states:SendTaskFailure'],
        resources: [stateMachineArn],
      }),
    );
  }
}
