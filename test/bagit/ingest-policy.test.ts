import { afterAll, describe, expect, it } from 'vitest';
import type { Bag } from '../../lambdas/bagit/bag.ts';
import { checkFetchedFiles, checkIngestPolicy } from '../../lambdas/bagit/ingest-policy.ts';
import { verifyDirectory } from '../../lambdas/bagit/verify-directory.ts';
import { buildBag, digest, withFile, without, type BagSpec } from '../fixtures/bag-builder.ts';
import { BagVerifier, eachAsync } from '../fixtures/verify-both-ways.ts';
import { scratchDirectory, writeBagDirectory } from '../fixtures/scratch.ts';

const scratch = await scratchDirectory();
const verifier = new BagVerifier();
afterAll(async () => {
  await verifier.close();
  await scratch.cleanup();
});
let count = 0;

async function bagOf(files: Map<string, Buffer>): Promise<Bag> {
  const verification = await verifyDirectory(await writeBagDirectory(files, `${scratch.path}/${++count}`));
  expect(verification.failures).toEqual([]);
  return verification.bag as Bag;
}

const spec = (extra: Partial<BagSpec> = {}): BagSpec => ({
  payload: { 'data/a.tif': 'tiff' },
  info: [['External-Identifier', 'b1234']],
  ...extra,
});

describe('ingest policy', () => {
  it('accepts a bag with the requested identifier and a sha256 manifest', async () => {
    expect(await checkIngestPolicy(await bagOf(buildBag(spec())), { externalIdentifier: 'b1234' })).toEqual(
      [],
    );
  });

  it('requires External-Identifier to match the request', async () => {
    expect(await checkIngestPolicy(await bagOf(buildBag(spec())), { externalIdentifier: 'b9999' })).toEqual([
      'External identifier in bag-info.txt does not match request: b1234 is not b9999',
    ]);
  });

  it('requires an External-Identifier at all', async () => {
    expect(
      await checkIngestPolicy(await bagOf(buildBag(spec({ info: [] }))), { externalIdentifier: 'b1' }),
    ).toEqual(['No External-Identifier in bag-info.txt (the request says b1)']);
  });

  it('requires a sha256 or sha512 payload manifest', async () => {
    const bag = await bagOf(buildBag(spec({ algorithms: ['md5', 'sha1'] })));
    expect(await checkIngestPolicy(bag, { externalIdentifier: 'b1234' })).toEqual([
      'The bag has no sha256 or sha512 payload manifest (it has md5, sha1)',
    ]);
  });
});

describe('stored names', () => {
  it('refuses payload names with CR or LF, which RFC 8493 allows but no S3 key may hold', async () => {
    const files = buildBag(
      spec({
        payload: { 'data/a.tif': 'tiff', 'data/line\nbreak.txt': 'lf', 'data/carriage\rreturn.txt': 'cr' },
      }),
    );
    await eachAsync(await verifier.verify(files), async (verification, path) => {
      expect(verification.failures, path).toEqual([]);
      expect(await checkIngestPolicy(verification.bag!, { externalIdentifier: 'b1234' }), path).toEqual(
        expect.arrayContaining([
          "Cannot store data/line%0Abreak.txt: a stored file's name must not contain NUL or other control characters",
          "Cannot store data/carriage%0Dreturn.txt: a stored file's name must not contain NUL or other control characters",
        ]),
      );
      expect(await checkIngestPolicy(verification.bag!, { externalIdentifier: 'b1234' }), path).toHaveLength(
        2,
      );
    });
  });

  it('accepts a "%" in a name, shown percent-encoded only when the name is refused', async () => {
    const files = buildBag(spec({ payload: { 'data/100%.tif': 'tiff', 'data/50%\n.tif': 'lf' } }));
    await eachAsync(await verifier.verify(files), async (verification, path) => {
      expect(await checkIngestPolicy(verification.bag!, { externalIdentifier: 'b1234' }), path).toEqual([
        "Cannot store data/50%25%0A.tif: a stored file's name must not contain NUL or other control characters",
      ]);
    });
  });

  it('refuses a fetch.txt entry whose name could not be stored', async () => {
    const full = buildBag(spec({ payload: { 'data/a.tif': 'tiff', 'data/old\r.tif': 'from v1' } }));
    const bag = await bagOf(
      withFile(
        without(full, 'data/old\r.tif'),
        'fetch.txt',
        's3://primary/digitised/b1234/v1/data/old.tif 7 data/old%0D.tif\n',
      ),
    );
    expect(await checkIngestPolicy(bag, { externalIdentifier: 'b1234' })).toEqual([
      "Cannot store data/old%0D.tif: a stored file's name must not contain NUL or other control characters",
    ]);
  });

  it('names at most ten files and counts the rest', async () => {
    const payload = Object.fromEntries(Array.from({ length: 12 }, (_, i) => [`data/f\n${i}.txt`, `${i}`]));
    const failures = await checkIngestPolicy(await bagOf(buildBag(spec({ payload }))), {
      externalIdentifier: 'b1234',
    });
    expect(failures).toHaveLength(11);
    expect(failures[10]).toBe('… and 2 more files whose names cannot be stored');
  });
});

describe('fetched files', () => {
  const holey = async (fetch: string) => {
    const full = buildBag(spec({ payload: { 'data/a.tif': 'tiff', 'data/old.tif': 'from v1' } }));
    return bagOf(withFile(without(full, 'data/old.tif'), 'fetch.txt', fetch));
  };
  const stored = {
    ok: true as const,
    size: 7,
    digests: { sha256: digest('sha256', Buffer.from('from v1')) },
  };

  it('accept a file of an earlier version with the right length and checksum', async () => {
    const bag = await holey('s3://primary/digitised/b1234/v1/data/old.tif 7 data/old.tif\n');
    expect(await checkFetchedFiles(bag, async () => stored)).toEqual([]);
  });

  it('refuse what the resolver refuses', async () => {
    const bag = await holey('https://elsewhere.example/old.tif 7 data/old.tif\n');
    const failures = await checkFetchedFiles(bag, async () => ({
      ok: false,
      problem: 'not an earlier version of this bag',
    }));
    expect(failures).toEqual(['fetch.txt entry data/old.tif: not an earlier version of this bag']);
  });

  it('refuse a wrong length or checksum', async () => {
    const bag = await holey('s3://primary/digitised/b1234/v1/data/old.tif 7 data/old.tif\n');
    expect(await checkFetchedFiles(bag, async () => ({ ...stored, size: 8 }))).toEqual([
      'Unable to verify 1 file in the bag: data/old.tif (size)',
    ]);
    expect(
      await checkFetchedFiles(bag, async () => ({ ...stored, digests: { sha256: '0'.repeat(64) } })),
    ).toEqual(['Unable to verify 1 file in the bag: data/old.tif (checksum)']);
  });

  it('refuse a fetched file that is also in the bag', async () => {
    const files = buildBag(spec());
    const bag = await bagOf(
      withFile(files, 'fetch.txt', 's3://primary/digitised/b1234/v1/data/a.tif 4 data/a.tif\n'),
    );
    expect(await checkFetchedFiles(bag, async () => stored)).toEqual([
      'fetch.txt lists data/a.tif, which is also present in the bag',
    ]);
  });
});
