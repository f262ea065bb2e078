import { App } from 'aws-cdk-lib';
import { describe, expect, it } from 'vitest';
import { DEFAULT_DEPLOYMENT_OPTIONS, readDeploymentOptions } from '../../lib/deployment-options.ts';

const optionsFrom = (context: Record<string, unknown>) => readDeploymentOptions(new App({ context }));

describe('deployment options (CDK context)', () => {
  it('default to DEEP_ARCHIVE replicas, 7-day carts and 15-minute presigned URLs', () => {
    expect(optionsFrom({})).toEqual(DEFAULT_DEPLOYMENT_OPTIONS);
    expect(DEFAULT_DEPLOYMENT_OPTIONS).toMatchObject({
      replicaStorageClass: 'DEEP_ARCHIVE',
      cartTtlDays: 7,
      presignExpiresSeconds: 900,
    });
  });

  it('accept numbers from cdk.json and strings from -c', () => {
    expect(
      optionsFrom({
        replicaStorageClass: 'glacier',
        cartTtlDays: '3',
        presignExpiresSeconds: 600,
        uploadExpiryDays: '30',
        maxUnpackedBytes: '1000',
        maxUnpackedFiles: 10,
        fixityIntervalDays: '30',
        fixityMaxConcurrentRuns: 2,
        fixitySweepMinutes: '15',
        corsAllowOrigins: 'https://archive.example.org, http://localhost:3000',
        fargateUnpackAboveBytes: '5000000000',
        unpackVpcId: 'vpc-0abc',
        unpackSubnetIds: 'subnet-01, subnet-02',
      }),
    ).toEqual({
      replicaStorageClass: 'GLACIER',
      cartTtlDays: 3,
      presignExpiresSeconds: 600,
      uploadExpiryDays: 30,
      maxUnpackedBytes: 1000,
      maxUnpackedFiles: 10,
      fixityIntervalDays: 30,
      fixityMaxConcurrentRuns: 2,
      fixitySweepMinutes: 15,
      corsAllowOrigins: ['https://archive.example.org', 'http://localhost:3000'],
      fargateUnpackAboveBytes: 5_000_000_000,
      unpackNetwork: { vpcId: 'vpc-0abc', subnetIds: ['subnet-01', 'subnet-02'] },
    });
  });

  it.each([
    [{ replicaStorageClass: 'COLD' }, /replicaStorageClass.*DEEP_ARCHIVE/],
    [{ cartTtlDays: '0' }, /cartTtlDays/],
    [{ cartTtlDays: 'seven' }, /cartTtlDays/],
    [{ uploadExpiryDays: 1.5 }, /uploadExpiryDays/],
    [{ presignExpiresSeconds: 604_801 }, /presignExpiresSeconds.*604800/],
    [{ fixityIntervalDays: '0' }, /fixityIntervalDays/],
    [{ corsAllowOrigins: '*' }, /corsAllowOrigins.*origins such as/],
    [{ corsAllowOrigins: 'https://a.example/path' }, /corsAllowOrigins/],
    [{ fargateUnpackAboveBytes: '20GB' }, /fargateUnpackAboveBytes/],
    [{ unpackSubnetIds: 'subnet-01' }, /unpackVpcId.*go together/],
    [{ unpackVpcId: 'vpc-0abc', unpackSubnetIds: 'sg-01' }, /"unpackSubnetIds" must list subnet ids/],
  ])('refuse %j', (context, message) => {
    expect(() => optionsFrom(context)).toThrow(message);
  });
});
