import { afterEach, describe, expect, it } from 'vitest';
import { config, DEFAULTS, ENV, setting } from '../../lambdas/config.ts';

const saved = { ...process.env };
afterEach(() => {
  process.env = { ...saved };
});

describe('the environment config', () => {
  it('names a missing required variable', () => {
    expect(() => setting('tableName', {})).toThrow(
      'Missing configuration: environment variable BAGVAULT_TABLE is not set',
    );
    // An empty value is as good as none.
    expect(() => setting('bundleBucket', { [ENV.bundleBucket]: '' })).toThrow(
      'Missing configuration: environment variable BAGVAULT_BUNDLE_BUCKET is not set',
    );
  });

  it.each([
    ['chunkMaxFiles', 'ten', 'BAGVAULT_CHUNK_MAX_FILES must be a positive integer, got "ten"'],
    ['chunkMaxFiles', '1.5', 'BAGVAULT_CHUNK_MAX_FILES must be a positive integer, got "1.5"'],
    ['cartTtlSeconds', '-3', 'BAGVAULT_CART_TTL_SECONDS must be a positive integer, got "-3"'],
    ['fixitySweepSeconds', '0', 'BAGVAULT_FIXITY_SWEEP_SECONDS must be a positive number, got "0"'],
    ['primaryObjectLock', 'yes', 'BAGVAULT_PRIMARY_OBJECT_LOCK must be "true" or "false", got "yes"'],
    ['replicas', '[', 'BAGVAULT_REPLICAS must be JSON, got "["'],
    ['replicas', '[{"name":"r","bucket":"b"}]', 'BAGVAULT_REPLICAS at [0].storageClass: '],
  ] as const)('refuses %s=%j with one error naming the variable', (key, value, message) => {
    expect(() => setting(key, { [ENV[key]]: value })).toThrow(`Invalid configuration: ${message}`);
  });

  it('reads typed values and falls back to the defaults', () => {
    process.env[ENV.chunkMaxFiles] = '7';
    process.env[ENV.fixitySweepSeconds] = '0.25';
    process.env[ENV.s3ForcePathStyle] = 'true';
    process.env[ENV.replicas] = JSON.stringify([{ name: 'r', bucket: 'b', storageClass: 'DEEP_ARCHIVE' }]);
    delete process.env[ENV.cartTtlSeconds];
    delete process.env[ENV.primaryObjectLock];
    expect(config().chunkMaxFiles).toBe(7);
    expect(config().fixitySweepSeconds).toBe(0.25);
    expect(config().s3ForcePathStyle).toBe(true);
    expect(config().primaryObjectLock).toBe(false);
    expect(config().replicas).toEqual([{ name: 'r', bucket: 'b', storageClass: 'DEEP_ARCHIVE' }]);
    expect(config().cartTtlSeconds).toBe(DEFAULTS.cartTtlSeconds);
  });

  it('reads a setting when it is used, so a change of the environment shows', () => {
    process.env[ENV.presignExpiresSeconds] = '60';
    expect(config().presignExpiresSeconds).toBe(60);
    process.env[ENV.presignExpiresSeconds] = '0';
    expect(() => config().presignExpiresSeconds).toThrow(/BAGVAULT_PRESIGN_EXPIRES_SECONDS/);
  });
});
