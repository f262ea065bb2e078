import { afterAll, describe, expect, it } from 'vitest';
import type { BagEntry, Verification } from '../../lambdas/bagit/bag.ts';
import {
  buildBag,
  digest,
  encodeText,
  manifestText,
  text,
  withFile,
  without,
  type BagFiles,
} from '../fixtures/bag-builder.ts';
import { BagVerifier, each } from '../fixtures/verify-both-ways.ts';

const verifier = new BagVerifier();
afterAll(() => verifier.close());

const payload = {
  'data/a.txt': 'alpha\n',
  'data/sub/b.txt': 'bravo\n',
  'data/c.bin': Buffer.from([0, 1, 2, 255]),
};

/** The bag's entries by name, as verification left them. */
async function entriesOf(verification: Verification): Promise<Map<string, BagEntry>> {
  const entries = new Map<string, BagEntry>();
  for await (const entry of verification.bag!.entries()) entries.set(entry.path, entry);
  return entries;
}

async function expectValid(files: BagFiles, root?: string) {
  const results = await verifier.verify(files, root);
  each(results, (verification, path) => {
    expect(verification.failures, path).toEqual([]);
    expect(verification.valid, path).toBe(true);
  });
  return results;
}

async function expectFailure(files: BagFiles, failure: string | RegExp, root?: string) {
  const results = await verifier.verify(files, root);
  each(results, (verification, path) => {
    expect(verification.valid, path).toBe(false);
    if (typeof failure === 'string') expect(verification.failures, path).toContain(failure);
    else
      expect(
        verification.failures.some((f) => failure.test(f)),
        `${path}: ${verification.failures}`,
      ).toBe(true);
  });
  return results;
}

async function expectWarning(files: BagFiles, warning: string | RegExp) {
  const results = await expectValid(files);
  each(results, (verification, path) => {
    const found = verification.warnings.some((w) =>
      typeof warning === 'string' ? w === warning : warning.test(w),
    );
    expect(found, `${path}: ${JSON.stringify(verification.warnings)}`).toBe(true);
  });
}

describe('a valid bag', () => {
  it('verifies with no failures and no warnings', async () => {
    const results = await expectValid(buildBag({ payload, tagAlgorithms: ['sha256'] }));
    each(results, (verification) => expect(verification.warnings).toEqual([]));
  });

  it('exposes what a storage manifest needs', async () => {
    const { archive, directory } = await expectValid(
      buildBag({ payload, algorithms: ['sha256', 'sha512'], info: [['External-Identifier', 'b1234']] }),
    );
    for (const verification of [archive, directory]) {
      const bag = verification.bag!;
      expect(bag.declaration.version).toBe('1.0');
      expect(bag.info).toContainEqual({ label: 'External-Identifier', value: 'b1234' });
      expect(bag.payloadOxum).toEqual({ bytes: 16, files: 3 });
      expect(bag.manifests.map((m) => m.algorithm)).toEqual(['sha256', 'sha512']);
      const entries = await entriesOf(verification);
      expect(entries.get('data/a.txt')?.listed.sha256).toBe(digest('sha256', Buffer.from('alpha\n')));
      expect(entries.get('data/sub/b.txt')?.present?.size).toBe(6);
    }
  });

  it('may sit at the top of the archive instead of one directory down', async () => {
    await expectValid(buildBag({ payload }), '');
  });
});

describe('bag root', () => {
  it('is refused when there is no bagit.txt', async () => {
    await expectFailure(
      without(buildBag({ payload }), 'bagit.txt'),
      'No bagit.txt at the top level or inside a single top-level directory',
    );
  });

  it('is refused when the bag directory has company at the top level', async () => {
    const { archive } = await verifier.verify(buildBag({ payload }), 'bag/');
    expect(archive.valid).toBe(true);
    const files = new Map([...buildBag({ payload })].map(([path, bytes]) => [`bag/${path}`, bytes]));
    files.set('README.txt', Buffer.from('hello'));
    await expectFailure(
      files,
      'bagit.txt is inside bag/, but there are 2 top-level entries (README.txt, bag/); expected exactly one directory',
      '',
    );
  });
});

describe('bagit.txt', () => {
  const declare = (content: string | Buffer) => withFile(buildBag({ payload }), 'bagit.txt', content);

  it('must not start with a byte-order mark', async () => {
    await expectFailure(
      declare(
        Buffer.concat([
          Buffer.from([0xef, 0xbb, 0xbf]),
          Buffer.from(text(buildBag({ payload }), 'bagit.txt')),
        ]),
      ),
      'bagit.txt starts with a byte-order mark, which RFC 8493 forbids',
    );
  });

  it('must have exactly two lines', async () => {
    await expectFailure(
      declare('BagIt-Version: 1.0\nTag-File-Character-Encoding: UTF-8\nExtra: line\n'),
      'bagit.txt must have exactly two lines (BagIt-Version, then Tag-File-Character-Encoding); found 3',
    );
  });

  it('must have its lines in order', async () => {
    await expectFailure(
      declare('Tag-File-Character-Encoding: UTF-8\nBagIt-Version: 1.0\n'),
      'bagit.txt line 1 must be "BagIt-Version: M.N"; found "Tag-File-Character-Encoding: UTF-8"',
    );
  });

  it('must declare a M.N version', async () => {
    await expectFailure(
      declare('BagIt-Version: one\nTag-File-Character-Encoding: UTF-8\n'),
      'bagit.txt line 1 must be "BagIt-Version: M.N"; found "BagIt-Version: one"',
    );
  });

  it('must declare an encoding', async () => {
    await expectFailure(
      declare('BagIt-Version: 1.0\nTag-File-Character-Encoding:\n'),
      'bagit.txt line 2 must be "Tag-File-Character-Encoding: ENCODING"; found "Tag-File-Character-Encoding:"',
    );
  });

  it('must declare a version we know', async () => {
    await expectFailure(
      declare('BagIt-Version: 0.92\nTag-File-Character-Encoding: UTF-8\n'),
      'Unsupported BagIt-Version 0.92 (supported: 0.93 to 0.97, and 1.0)',
    );
  });

  it('must declare an encoding we can decode', async () => {
    await expectFailure(
      declare('BagIt-Version: 1.0\nTag-File-Character-Encoding: EBCDIC-XYZ\n'),
      'Unsupported Tag-File-Character-Encoding "EBCDIC-XYZ"',
    );
  });

  it('accepts CRLF line endings', async () => {
    await expectValid(declare('BagIt-Version: 1.0\r\nTag-File-Character-Encoding: UTF-8\r\n'));
  });
});

describe('tag file encoding', () => {
  const info: [string, string][] = [['External-Description', 'Café Zürich — ½ of it']];

  for (const encoding of ['UTF-16', 'UTF-16LE', 'ISO-8859-1']) {
    it(`decodes tag files in ${encoding}`, async () => {
      const value = encoding === 'ISO-8859-1' ? 'Café Zürich ½' : info[0][1];
      const files = buildBag({
        payload: { ...payload, 'data/é.txt': 'accent' },
        encoding,
        info: [['External-Description', value]],
      });
      const results = await expectValid(files);
      each(results, (verification) =>
        expect(verification.bag?.info).toContainEqual({ label: 'External-Description', value }),
      );
    });
  }

  it('refuses bytes that are not valid in the declared encoding', async () => {
    const files = withFile(
      buildBag({ payload }),
      'bag-info.txt',
      Buffer.from([0x41, 0x3a, 0x20, 0xff, 0x0a]),
    );
    await expectFailure(files, 'bag-info.txt is not valid UTF-8');
  });

  it('warns about a UTF-8 byte-order mark in a tag file', async () => {
    const files = buildBag({ payload, oxum: false });
    const infoWithBom = Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), files.get('bag-info.txt')!]);
    await expectWarning(
      withFile(files, 'bag-info.txt', infoWithBom),
      'bag-info.txt starts with a UTF-8 byte-order mark, which RFC 8493 advises against',
    );
  });
});

describe('bag-info.txt', () => {
  it('keeps repeated labels in order and joins continuation lines', async () => {
    const files = withFile(
      buildBag({ payload, oxum: false }),
      'bag-info.txt',
      'Contact-Name: Ada\nContact-Name: Grace\nExternal-Description: a long\n  description\tthat\n\tcontinues\n',
    );
    const results = await expectValid(files);
    each(results, (verification) =>
      expect(verification.bag?.info).toEqual([
        { label: 'Contact-Name', value: 'Ada' },
        { label: 'Contact-Name', value: 'Grace' },
        { label: 'External-Description', value: 'a long\ndescription\tthat\ncontinues' },
      ]),
    );
  });

  it('refuses a line that is not "Label: value"', async () => {
    const files = withFile(
      buildBag({ payload, oxum: false }),
      'bag-info.txt',
      'Contact-Name: Ada\nno colon here\n',
    );
    await expectFailure(files, 'bag-info.txt line 2 is not "Label: value": "no colon here"');
  });

  it('refuses a continuation line with nothing to continue', async () => {
    const files = withFile(
      buildBag({ payload, oxum: false }),
      'bag-info.txt',
      '  orphan\nContact-Name: Ada\n',
    );
    await expectFailure(files, 'bag-info.txt line 1 continues a value, but no label comes before it');
  });
});

describe('Payload-Oxum', () => {
  const withOxum = (oxum: string) =>
    withFile(buildBag({ payload, oxum: false }), 'bag-info.txt', `Payload-Oxum: ${oxum}\n`);

  it('must match the payload byte count', async () => {
    await expectFailure(
      withOxum('17.3'),
      'Payload-Oxum mismatch: bag-info.txt declares 17 bytes in 3 files, the payload has 16 bytes in 3 files',
    );
  });

  it('must match the payload file count', async () => {
    await expectFailure(
      withOxum('16.4'),
      'Payload-Oxum mismatch: bag-info.txt declares 16 bytes in 4 files, the payload has 16 bytes in 3 files',
    );
  });

  it('must be OctetCount.StreamCount', async () => {
    await expectFailure(withOxum('16'), 'Payload-Oxum "16" in bag-info.txt is not "OctetCount.StreamCount"');
  });
});

describe('payload manifests', () => {
  it('verifies md5, sha1, sha256 and sha512 manifests', async () => {
    await expectValid(
      buildBag({
        payload,
        algorithms: ['md5', 'sha1', 'sha256', 'sha512'],
        tagAlgorithms: ['md5', 'sha512'],
      }),
    );
  });

  it('checks every algorithm, not just the first', async () => {
    const files = buildBag({ payload, algorithms: ['md5', 'sha512'] });
    const sha512 = text(files, 'manifest-sha512.txt').replace(
      digest('sha512', Buffer.from('alpha\n')),
      '0'.repeat(128),
    );
    await expectFailure(
      withFile(files, 'manifest-sha512.txt', sha512),
      'Unable to verify 1 file in the bag: data/a.txt (checksum)',
    );
  });

  it('accepts upper-case hex, a "*" binary marker, tabs and runs of spaces', async () => {
    const files = buildBag({ payload });
    const lines = [
      `${digest('sha256', Buffer.from('alpha\n')).toUpperCase()} *data/a.txt`,
      `${digest('sha256', Buffer.from('bravo\n'))}\tdata/sub/b.txt`,
      `${digest('sha256', Buffer.from([0, 1, 2, 255]))}     data/c.bin`,
    ];
    await expectValid(withFile(files, 'manifest-sha256.txt', lines.join('\n') + '\n'));
  });

  it('accepts a leading ./ in paths, with one warning per manifest (conformance warning/relative-path)', async () => {
    const files = buildBag({ payload });
    await expectWarning(
      withFile(
        files,
        'manifest-sha256.txt',
        text(files, 'manifest-sha256.txt').replace(/ data\//g, ' ./data/'),
      ),
      'manifest-sha256.txt writes 3 paths with "./", "../" or "//" (e.g. "./data/a.txt"); RFC 8493 wants paths like "data/file"',
    );
  });

  it('verifies sha224 and sha384 manifests (conformance v0.97 valid/uncommon-metadata-separators)', async () => {
    const files = buildBag({
      payload,
      algorithms: ['sha224'],
      tagAlgorithms: ['sha384'],
      version: '0.97',
      info: [
        ['Source-Organization', 'Spoons'],
        ['Contact-Name  ', 'Ed'],
      ],
    });
    await expectWarning(files, 'The payload manifests use only sha224; sha256 or sha512 is recommended');
    await expectValid(buildBag({ payload, algorithms: ['sha224', 'sha384', 'sha256'] }));
  });

  it('refuses a wrong sha224 or sha384 checksum', async () => {
    for (const algorithm of ['sha224', 'sha384'] as const) {
      const files = buildBag({ payload, algorithms: [algorithm] });
      const name = `manifest-${algorithm}.txt`;
      const tampered = text(files, name).replace(
        digest(algorithm, Buffer.from('bravo\n')),
        'a'.repeat(algorithm === 'sha224' ? 56 : 96),
      );
      await expectFailure(
        withFile(files, name, tampered),
        'Unable to verify 1 file in the bag: data/sub/b.txt (checksum)',
      );
    }
  });

  it('decodes percent-encoded names (%0A, %0D, %25)', async () => {
    const odd = {
      'data/100%.txt': 'percent',
      'data/line\nbreak.txt': 'lf',
      'data/carriage\rreturn.txt': 'cr',
    };
    const files = buildBag({ payload: { ...payload, ...odd } });
    expect(text(files, 'manifest-sha256.txt')).toContain('data/100%25.txt');
    expect(text(files, 'manifest-sha256.txt')).toContain('data/line%0Abreak.txt');
    expect(text(files, 'manifest-sha256.txt')).toContain('data/carriage%0Dreturn.txt');
    const results = await expectValid(files);
    for (const [path, verification] of Object.entries(results)) {
      const entries = await entriesOf(verification);
      expect(entries.get('data/line\nbreak.txt')?.present?.size, path).toBe(2);
      expect(entries.get('data/carriage\rreturn.txt')?.listed.sha256, path).toBeDefined();
    }
  });

  it('refuses a path that escapes the bag', async () => {
    const files = buildBag({ payload });
    const manifest = text(files, 'manifest-sha256.txt') + `${'a'.repeat(64)}  data/../../etc/passwd\n`;
    await expectFailure(
      withFile(files, 'manifest-sha256.txt', manifest),
      'manifest-sha256.txt line 4: path "data/../../etc/passwd" escapes the bag',
    );
  });

  it('refuses an absolute path', async () => {
    const files = buildBag({ payload });
    const manifest = text(files, 'manifest-sha256.txt') + `${'a'.repeat(64)}  /etc/passwd\n`;
    await expectFailure(
      withFile(files, 'manifest-sha256.txt', manifest),
      'manifest-sha256.txt line 4: path "/etc/passwd" escapes the bag (absolute path)',
    );
  });

  it('refuses a payload manifest entry outside data/', async () => {
    const files = buildBag({ payload });
    const manifest =
      text(files, 'manifest-sha256.txt') + `${digest('sha256', files.get('bagit.txt')!)}  bagit.txt\n`;
    await expectFailure(
      withFile(files, 'manifest-sha256.txt', manifest),
      'manifest-sha256.txt line 4: bagit.txt is outside the payload directory (data/)',
    );
  });

  it('refuses a malformed line and a checksum of the wrong length', async () => {
    const files = buildBag({ payload });
    const manifest = text(files, 'manifest-sha256.txt') + 'justonetoken\nabc123  data/a.txt\n';
    const results = await expectFailure(
      withFile(files, 'manifest-sha256.txt', manifest),
      'manifest-sha256.txt line 4 is not "CHECKSUM FILEPATH": "justonetoken"',
    );
    each(results, (v) =>
      expect(v.failures).toContain('manifest-sha256.txt line 5: "abc123" is not a sha256 checksum'),
    );
  });

  it('refuses a file listed twice', async () => {
    const files = buildBag({ payload });
    const manifest = text(files, 'manifest-sha256.txt');
    await expectFailure(
      withFile(files, 'manifest-sha256.txt', manifest + manifest.split('\n')[0] + '\n'),
      'manifest-sha256.txt lists data/a.txt more than once',
    );
  });

  it('only warns about a file listed twice with the same checksum before BagIt 1.0', async () => {
    const files = buildBag({ payload, version: '0.97' });
    const manifest = text(files, 'manifest-sha256.txt');
    await expectWarning(
      withFile(files, 'manifest-sha256.txt', manifest + manifest.split('\n')[0] + '\n'),
      'manifest-sha256.txt lists data/a.txt twice',
    );
  });

  it('requires every payload file in every payload manifest (BagIt 1.0)', async () => {
    const files = buildBag({ payload, algorithms: ['md5', 'sha256'] });
    const partial = text(files, 'manifest-md5.txt')
      .split('\n')
      .filter((line) => !line.endsWith('data/c.bin'))
      .join('\n');
    await expectFailure(
      withFile(files, 'manifest-md5.txt', partial),
      'Unable to verify 1 file in the bag: data/c.bin (not in manifest-md5.txt)',
    );
  });

  it('accepts a payload file in just one manifest before BagIt 1.0', async () => {
    const files = buildBag({ payload, algorithms: ['md5', 'sha256'], version: '0.97' });
    const partial = text(files, 'manifest-md5.txt')
      .split('\n')
      .filter((line) => !line.endsWith('data/c.bin'))
      .join('\n');
    await expectValid(withFile(files, 'manifest-md5.txt', partial));
  });

  it('refuses payload files that no manifest lists', async () => {
    const files = withFile(buildBag({ payload, oxum: false }), 'data/extra.txt', 'surprise');
    await expectFailure(
      files,
      'Unable to verify 1 file in the bag: data/extra.txt (not in manifest-sha256.txt)',
    );
  });

  it('lists every bad file with its reason', async () => {
    const files = without(
      withFile(buildBag({ payload, oxum: false }), 'data/a.txt', 'tampered'),
      'data/sub/b.txt',
    );
    await expectFailure(
      files,
      'Unable to verify 2 files in the bag: data/a.txt (checksum), data/sub/b.txt (missing)',
    );
  });

  it('requires a payload manifest', async () => {
    await expectFailure(
      without(buildBag({ payload: {}, oxum: false }), 'manifest-sha256.txt'),
      'The bag has no payload manifest (manifest-ALGORITHM.txt)',
    );
  });

  it('warns about manifests in algorithms it cannot check', async () => {
    const files = withFile(buildBag({ payload }), 'manifest-blake3.txt', 'whatever\n');
    await expectWarning(
      files,
      'manifest-blake3.txt uses an unsupported algorithm (blake3) and was not checked',
    );
  });
});

describe('tag manifests', () => {
  it('catch a changed tag file', async () => {
    const files = buildBag({ payload, tagAlgorithms: ['sha256'], info: [['Contact-Name', 'Ada']] });
    const info = text(files, 'bag-info.txt').replace('Ada', 'Eve');
    await expectFailure(
      withFile(files, 'bag-info.txt', info),
      'Unable to verify 1 file in the bag: bag-info.txt (checksum)',
    );
  });

  it('catch a missing tag file', async () => {
    const files = buildBag({ payload, tagAlgorithms: ['sha256'], tagFiles: { 'meta/mets.xml': '<mets/>' } });
    await expectFailure(
      without(files, 'meta/mets.xml'),
      'Unable to verify 1 file in the bag: meta/mets.xml (missing)',
    );
  });

  it('must not list payload files', async () => {
    const files = buildBag({ payload, tagAlgorithms: ['sha256'] });
    const manifest =
      text(files, 'tagmanifest-sha256.txt') + `${digest('sha256', Buffer.from('alpha\n'))}  data/a.txt\n`;
    await expectFailure(
      withFile(files, 'tagmanifest-sha256.txt', manifest),
      /^tagmanifest-sha256\.txt line \d+: data\/a\.txt is a payload file, which tag manifests must not list$/,
    );
  });
});

describe('fetch.txt', () => {
  const holey = () => {
    const full = buildBag({ payload: { ...payload, 'data/remote.tif': 'far away' } });
    return withFile(
      without(full, 'data/remote.tif'),
      'fetch.txt',
      'https://example.org/bags/b1/v1/data/remote.tif 8 data/remote.tif\n',
    );
  };

  it('makes a holey bag that is valid, with the entries exposed for the ingest', async () => {
    const results = await expectValid(holey());
    for (const verification of Object.values(results)) {
      expect(verification.unfetched).toBe(1);
      expect((await entriesOf(verification)).get('data/remote.tif')).toMatchObject({
        fetch: { url: 'https://example.org/bags/b1/v1/data/remote.tif', length: 8, path: 'data/remote.tif' },
      });
      expect(verification.warnings).toContain(
        '1 file is listed in fetch.txt but not in the bag (a holey bag): data/remote.tif',
      );
    }
  });

  it('counts files to fetch in Payload-Oxum', async () => {
    const files = holey();
    const info = text(files, 'bag-info.txt').replace(/Payload-Oxum: .*/, 'Payload-Oxum: 16.3');
    await expectFailure(
      withFile(files, 'bag-info.txt', info),
      'Payload-Oxum mismatch: bag-info.txt declares 16 bytes in 3 files, the payload has 24 bytes in 4 files',
    );
  });

  it('refuses entries that escape the bag', async () => {
    const files = withFile(holey(), 'fetch.txt', 'https://example.org/x 8 data/../../outside\n');
    await expectFailure(files, 'fetch.txt line 1: path "data/../../outside" escapes the bag');
  });

  it('refuses entries outside the payload directory', async () => {
    const files = withFile(holey(), 'fetch.txt', 'https://example.org/x 8 bag-info.txt\n');
    await expectFailure(files, 'fetch.txt line 1: bag-info.txt is outside the payload directory (data/)');
  });

  it('refuses entries that are not in the payload manifest', async () => {
    const files = withFile(
      holey(),
      'fetch.txt',
      'https://example.org/x 8 data/remote.tif\nhttps://example.org/y - data/other.tif\n',
    );
    await expectFailure(files, 'fetch.txt lists data/other.tif, which is not in manifest-sha256.txt');
  });

  it('checks the declared length of a fetched file that is present', async () => {
    const files = withFile(buildBag({ payload }), 'fetch.txt', 'https://example.org/a 5 data/a.txt\n');
    await expectFailure(files, 'Unable to verify 1 file in the bag: data/a.txt (size)');
  });

  it('refuses malformed lines and relative URLs', async () => {
    const files = withFile(
      holey(),
      'fetch.txt',
      'only-two fields\nnot-a-url 8 data/remote.tif\nhttps://x/y eight data/remote.tif\n',
    );
    const results = await expectFailure(
      files,
      'fetch.txt line 1 is not "URL LENGTH FILEPATH": "only-two fields"',
    );
    each(results, (v) => {
      expect(v.failures).toContain('fetch.txt line 2: "not-a-url" is not an absolute URL');
      expect(v.failures).toContain('fetch.txt line 3: length "eight" is neither a number nor "-"');
    });
  });
});

describe('warnings that leave a bag valid', () => {
  it('md5- or sha1-only payload manifests', async () => {
    await expectWarning(
      buildBag({ payload, algorithms: ['md5', 'sha1'] }),
      'The payload manifests use only md5 and sha1; sha256 or sha512 is recommended',
    );
  });

  it('names that differ only in letter case', async () => {
    await expectWarning(
      buildBag({ payload: { 'data/Report.pdf': 'one', 'data/report.pdf': 'two' } }),
      'data/Report.pdf and data/report.pdf differ only in letter case',
    );
  });

  it('names that differ only in Unicode normalisation', async () => {
    const composed = 'data/caf\u00e9.txt';
    const decomposed = 'data/cafe\u0301.txt';
    await expectWarning(
      buildBag({ payload: { [composed]: 'one', [decomposed]: 'two' } }),
      `${decomposed} and ${composed} differ only in Unicode normalisation`,
    );
  });

  it('a manifest name in another normalisation form than the stored file', async () => {
    const files = buildBag({ payload: { 'data/cafe\u0301.txt': 'coffee' } });
    const manifest = text(files, 'manifest-sha256.txt').replace('cafe\u0301', 'caf\u00e9');
    await expectWarning(
      withFile(files, 'manifest-sha256.txt', manifest),
      'manifest-sha256.txt lists data/caf\u00e9.txt, stored under a name that differs only in Unicode normalisation',
    );
  });

  it('operating-system junk files', async () => {
    await expectWarning(
      buildBag({ payload: { ...payload, 'data/.DS_Store': 'junk', 'data/scans/Thumbs.db': 'junk' } }),
      'data/.DS_Store looks like an operating-system junk file',
    );
  });
});

describe('BagIt drafts', () => {
  it('reads package-info.txt for BagIt 0.93 to 0.95', async () => {
    const files = buildBag({ payload, version: '0.95', infoFile: 'package-info.txt' });
    const results = await expectValid(files);
    each(results, (verification) => {
      expect(verification.bag?.infoFile).toBe('package-info.txt');
      expect(verification.bag?.payloadOxum).toEqual({ bytes: 16, files: 3 });
    });
  });

  it('checks Payload-Oxum in package-info.txt', async () => {
    const files = buildBag({ payload, version: '0.93', infoFile: 'package-info.txt' });
    const info = text(files, 'package-info.txt').replace(/Payload-Oxum: .*/, 'Payload-Oxum: 1.1');
    await expectFailure(
      withFile(files, 'package-info.txt', info),
      'Payload-Oxum mismatch: package-info.txt declares 1 bytes in 1 files, the payload has 16 bytes in 3 files',
    );
  });

  for (const version of ['0.96', '0.97']) {
    it(`verifies a BagIt ${version} bag`, async () => {
      await expectValid(
        buildBag({ payload, version, tagAlgorithms: ['md5'], algorithms: ['md5', 'sha256'] }),
      );
    });
  }
});

describe('manifest text helpers', () => {
  it('encode what they are asked to', () => {
    const files: BagFiles = new Map([['data/a%b', Buffer.from('x')]]);
    expect(manifestText(files, ['data/a%b'], 'md5')).toBe(`${digest('md5', Buffer.from('x'))}  data/a%25b\n`);
    expect(encodeText('é', 'ISO-8859-1')).toEqual(Buffer.from([0xe9]));
  });
});
