import {
  CompleteMultipartUploadCommand,
  ListPartsCommand,
  S3Client,
  S3ServiceException,
} from '@aws-sdk/client-s3';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { clientErrorOf } from '../../lambdas/http/errors.ts';
import { completeMultipartUpload } from '../../lambdas/uploads/multipart-upload.ts';

/**
 * S3's refusals of a completion, which s3rver does not reproduce (it answers an unknown upload id
 * with a 500 InternalError), so they are checked against a mocked client.
 */
const s3 = mockClient(S3Client);

beforeAll(() => {
  process.env.BAGVAULT_UPLOAD_BUCKET = 'uploads';
  process.env.AWS_REGION = 'us-east-1';
});
afterEach(() => {
  s3.reset();
});

const request = { path: 'digitised/u/a.tar.gz', uploadId: 'abc', parts: [{ partNumber: 1, etag: '"e"' }] };

function s3Error(name: string, message: string, status = 400) {
  return new S3ServiceException({
    name,
    message,
    $fault: status >= 500 ? 'server' : 'client',
    $metadata: { httpStatusCode: status },
  });
}

const internalError = () => s3Error('InternalError', 'We encountered an internal error.', 500);

async function statusAndDescription(promise: Promise<unknown>) {
  const answer = clientErrorOf(await promise.catch((caught: unknown) => caught));
  expect(answer).toBeDefined();
  return [answer?.status, answer?.description];
}

describe('completing a multipart upload', () => {
  it('sends the parts in order to S3 and answers bucket and path', async () => {
    s3.on(CompleteMultipartUploadCommand).resolves({});
    expect(await completeMultipartUpload(request)).toEqual({
      bucket: 'uploads',
      path: 'digitised/u/a.tar.gz',
    });
    expect(s3.commandCalls(CompleteMultipartUploadCommand)[0]?.args[0].input).toEqual({
      Bucket: 'uploads',
      Key: 'digitised/u/a.tar.gz',
      UploadId: 'abc',
      MultipartUpload: { Parts: [{ PartNumber: 1, ETag: '"e"' }] },
    });
  });

  it('answers 400 naming the upload id when S3 knows no such upload', async () => {
    s3.on(CompleteMultipartUploadCommand).rejects(
      s3Error('NoSuchUpload', 'The specified upload does not exist.'),
    );
    expect(await statusAndDescription(completeMultipartUpload(request))).toEqual([
      400,
      'Invalid value at .uploadId: no multipart upload "abc" is in progress at this path.',
    ]);
  });

  it.each(['InvalidPart', 'InvalidPartOrder', 'EntityTooSmall'])(
    'answers 400 with S3 words for %s',
    async (name) => {
      s3.on(CompleteMultipartUploadCommand).rejects(
        s3Error(name, 'One or more of the specified parts could not be found.'),
      );
      expect(await statusAndDescription(completeMultipartUpload(request))).toEqual([
        400,
        'The upload could not be completed: One or more of the specified parts could not be found.',
      ]);
    },
  );

  it('asks ListParts after a server error, and answers 400 naming the id when S3 knows no such upload', async () => {
    s3.on(CompleteMultipartUploadCommand).rejects(internalError());
    s3.on(ListPartsCommand).rejects(s3Error('NoSuchUpload', 'The specified upload does not exist.', 404));
    expect(await statusAndDescription(completeMultipartUpload(request))).toEqual([
      400,
      'Invalid value at .uploadId: no multipart upload "abc" is in progress at this path.',
    ]);
    expect(s3.commandCalls(ListPartsCommand)[0]?.args[0].input).toMatchObject({
      Key: 'digitised/u/a.tar.gz',
      UploadId: 'abc',
    });
  });

  it('says it cannot tell, with a 400, where the store has no ListParts (s3rver)', async () => {
    s3.on(CompleteMultipartUploadCommand).rejects(internalError());
    s3.on(ListPartsCommand).rejects(s3Error('MethodNotAllowed', 'not allowed', 405));
    const [status, description] = await statusAndDescription(completeMultipartUpload(request));
    expect(status).toBe(400);
    expect(description).toContain(
      'could not complete upload "abc" (InternalError) and cannot list its parts',
    );
  });

  it('keeps a server error a server error while the upload is in progress', async () => {
    s3.on(CompleteMultipartUploadCommand).rejects(internalError());
    s3.on(ListPartsCommand).resolves({ Parts: [{ PartNumber: 1 }] });
    await expect(completeMultipartUpload(request)).rejects.toThrow('We encountered an internal error.');
  });

  it('lets other failures through (a 500, logged)', async () => {
    s3.on(CompleteMultipartUploadCommand).rejects(new Error('network down'));
    await expect(completeMultipartUpload(request)).rejects.toThrow('network down');
  });
});
