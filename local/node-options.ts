/**
 * Node options every process that runs the local stack needs. s3rver builds ListObjectsV2
 * continuation tokens with DES, which OpenSSL 3 keeps in its legacy provider: without it any
 * listing of more than 1000 keys fails with InternalError. Used by `npm start`, `npm run bench`
 * (package.json) and the test workers (vitest.config.ts).
 */
export const LOCAL_STACK_NODE_OPTIONS = ['--openssl-legacy-provider'] as const;
