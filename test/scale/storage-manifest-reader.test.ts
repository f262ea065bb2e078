import { describe, expect, it } from 'vitest';
import { scanStorageManifest } from '../../lambdas/bags/storage-manifest-reader.ts';
import type { ManifestFile, StorageManifest } from '../../lambdas/bags/storage-manifest.ts';

function file(index: number, name: string): ManifestFile {
  return {
    type: 'File',
    name,
    path: `v1/${name}`,
    size: index * 7,
    checksum: index.toString(16).padStart(64, '0'),
    ...(index % 3 === 0 ? { versionIds: { primary: `v-${index}`, replica: `r"${index}` } } : {}),
  };
}

/** Names and bag-info values that would fool a scanner that ignored strings and escapes. */
const TRICKY = [
  'data/"files":[{"x":1}].txt',
  'data/back\\slash\\"files":[',
  'data/ünïcødé 🎞️ reel.mov',
  'data/{braces}[brackets]',
  'data/files',
];

function manifestOf(payload: ManifestFile[], tags: ManifestFile[]): StorageManifest {
  return {
    type: 'Bag',
    id: 'digitised/b1',
    space: { id: 'digitised' },
    version: 'v1',
    createdDate: '2026-12-01T00:00:00.000Z',
    info: {
      externalIdentifier: 'b1',
      'Source-Organization': 'A "files":[ archive \\ with ] odd } text',
      files: ['a label named files'],
    },
    manifest: { type: 'BagManifest', checksumAlgorithm: 'SHA-256', files: payload },
    tagManifest: { type: 'BagManifest', checksumAlgorithm: 'SHA-256', files: tags },
    location: {
      provider: { id: 'amazon-s3' },
      bucket: 'primary',
      path: 'digitised/b1',
      storageClass: 'STANDARD',
    },
    replicaLocations: [
      {
        provider: { id: 'amazon-s3' },
        bucket: 'replica',
        path: 'digitised/b1',
        storageClass: 'GLACIER',
        name: 'r',
      },
    ],
    ingestId: 'i-1',
  };
}

/** The text cut into pieces of pseudo-random sizes, as bytes (splitting multi-byte characters) or strings. */
function* pieces(text: string, seed: number, asBytes: boolean): Generator<string | Uint8Array> {
  const source = asBytes ? Buffer.from(text, 'utf8') : text;
  let state = seed;
  for (let start = 0; start < source.length;) {
    state = (state * 1103515245 + 12345) % 2 ** 31;
    const length = 1 + (state % 97);
    yield asBytes
      ? new Uint8Array((source as Buffer).subarray(start, start + length))
      : (source as string).slice(start, start + length);
    start += length;
  }
}

async function scan(input: Iterable<string | Uint8Array>) {
  const seen: { file: ManifestFile; list: string }[] = [];
  const skeleton = await scanStorageManifest(
    (async function* () {
      yield* input;
    })(),
    (entry, list) => void seen.push({ file: entry, list }),
  );
  return { skeleton, seen };
}

describe('reading a storage manifest without holding its file lists', () => {
  const payload = [...TRICKY, ...Array.from({ length: 300 }, (_, i) => `data/f${i}.tif`)].map((n, i) =>
    file(i, n),
  );
  const tags = ['bagit.txt', 'bag-info.txt', 'manifest-sha256.txt'].map((n, i) => file(1000 + i, n));
  const manifest = manifestOf(payload, tags);
  const expected = [
    ...payload.map((entry) => ({ file: entry, list: 'manifest' })),
    ...tags.map((entry) => ({ file: entry, list: 'tagManifest' })),
  ];
  const skeleton = {
    ...manifest,
    manifest: { ...manifest.manifest, files: [] },
    tagManifest: { ...manifest.tagManifest, files: [] },
  };

  it('hands over every entry in order and returns the rest, whatever the pieces and the spacing', async () => {
    for (const text of [JSON.stringify(manifest), JSON.stringify(manifest, null, 2)]) {
      for (const [seed, asBytes] of [
        [1, true],
        [7, false],
        [42, true],
      ] as const) {
        const result = await scan(pieces(text, seed, asBytes));
        expect(result.seen).toEqual(expected);
        expect(result.skeleton).toEqual(skeleton);
      }
    }
  });

  it('reads a manifest with empty file lists', async () => {
    const result = await scan([JSON.stringify(manifestOf([], []))]);
    expect(result.seen).toEqual([]);
    expect(result.skeleton.location.path).toBe('digitised/b1');
  });

  it('refuses a truncated document instead of returning part of it', async () => {
    const text = JSON.stringify(manifest);
    await expect(scan([text.slice(0, Math.floor(text.length / 2))])).rejects.toThrow();
    await expect(scan([text.slice(0, -1)])).rejects.toThrow(/Not a complete storage manifest/);
  });
});
