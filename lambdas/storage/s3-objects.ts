import {
  DeleteObjectsCommand,
  GetObjectCommand,
  HeadObjectCommand,
  type HeadObjectCommandOutput,
  ListObjectsV2Command,
  PutObjectCommand,
} from '@aws-sdk/client-s3';
import type { Readable } from 'node:stream';
import type { z } from 'zod';
import { s3 } from '../aws-clients.ts';
import { parseStored } from '../schemas/problems.ts';

/** Small JSON documents the workflow keeps beside its data (chunk lists, bag summaries). */
export async function putJson(bucket: string, key: string, value: unknown): Promise<void> {
  await s3().send(
    new PutObjectCommand({
      Bucket: bucket,
      Key: key,
      Body: JSON.stringify(value),
      ContentType: 'application/json',
    }),
  );
}

/**
 * An S3 JSON document read back, checked against its schema (a mismatch is a plain error naming the
 * document: corruption or a code/data mismatch, never the client's fault).
 */
export async function getStored<S extends z.ZodType>(
  bucket: string,
  key: string,
  what: string,
  schema: S,
): Promise<z.output<S>> {
  return parseStored(what, await getJson<unknown>(bucket, key), schema);
}

/**
 * The parsed JSON of an object, typed by the caller without a check: only for documents a workflow
 * wrote earlier in the same run for its own later steps (work-area chunk lists and summaries, a cart's
 * resolved file list, a fixity plan), which nothing else writes. Anything else is read with getStored
 * and a schema.
 */
export async function getJson<T>(bucket: string, key: string): Promise<T> {
  const { Body } = await s3().send(new GetObjectCommand({ Bucket: bucket, Key: key }));
  return JSON.parse(await (Body as { transformToString(): Promise<string> }).transformToString()) as T;
}

export async function openObject(bucket: string, key: string): Promise<Readable> {
  const { Body } = await s3().send(new GetObjectCommand({ Bucket: bucket, Key: key }));
  return Body as Readable;
}

export async function* listKeys(
  bucket: string,
  prefix: string,
): AsyncGenerator<{ key: string; size: number }> {
  let token: string | undefined;
  do {
    const page = await s3().send(
      new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix, ContinuationToken: token }),
    );
    for (const object of page.Contents ?? []) yield { key: object.Key as string, size: object.Size ?? 0 };
    token = page.NextContinuationToken;
  } while (token);
}

/** Deletes everything under a prefix, a thousand keys per request. */
export async function deletePrefix(bucket: string, prefix: string): Promise<number> {
  let deleted = 0;
  let batch: string[] = [];
  const flush = async () => {
    if (batch.length === 0) return;
    const result = await s3().send(
      new DeleteObjectsCommand({
        Bucket: bucket,
        Delete: { Objects: batch.map((Key) => ({ Key })), Quiet: true },
      }),
    );
    const failed = result.Errors ?? [];
    if (failed.length > 0) {
      throw new Error(
        `Could not delete ${failed.length} objects, e.g. ${failed[0]?.Key}: ${failed[0]?.Message}`,
      );
    }
    deleted += batch.length;
    batch = [];
  };
  for await (const { key } of listKeys(bucket, prefix)) {
    batch.push(key);
    if (batch.length === 1000) await flush();
  }
  await flush();
  return deleted;
}

/** S3 says NoSuchKey for a GET and NotFound for a HEAD of an object that is not there. */
export function isMissingObject(error: unknown): boolean {
  const name = (error as Error).name;
  return name === 'NoSuchKey' || name === 'NotFound';
}

/** The object's metadata (of one version, when given), or undefined when there is no such object. */
export async function headObjectOrAbsent(
  bucket: string,
  key: string,
  versionId?: string,
): Promise<HeadObjectCommandOutput | undefined> {
  try {
    return await s3().send(new HeadObjectCommand({ Bucket: bucket, Key: key, VersionId: versionId }));
  } catch (error) {
    if (isMissingObject(error)) return undefined;
    throw error;
  }
}
