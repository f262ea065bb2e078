import { CreateBucketCommand, HeadBucketCommand, type S3Client } from '@aws-sdk/client-s3';

/** Creates the stack's buckets in an S3-compatible service unless they exist (s3rver does this itself). */
export async function ensureBuckets(client: S3Client, buckets: string[]): Promise<void> {
  for (const bucket of buckets) {
    try {
      await client.send(new HeadBucketCommand({ Bucket: bucket }));
    } catch (error) {
      const status = (error as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode;
      if (status !== 404) throw error;
      await client.send(new CreateBucketCommand({ Bucket: bucket }));
    }
  }
}
