import { execFileSync } from 'node:child_process';
import { createReadStream } from 'node:fs';
import { rm, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HashPool } from '../../lambdas/archive/hashing/hash-pool.ts';
import { verifyArchive } from '../../lambdas/bagit/verify-archive.ts';
import { verifyDirectory } from '../../lambdas/bagit/verify-directory.ts';
import { buildBag } from '../fixtures/bag-builder.ts';
import { scratchDirectory, writeBagDirectory } from '../fixtures/scratch.ts';
import { buildTarGz } from '../fixtures/tar-builder.ts';

let scratch: Awaited<ReturnType<typeof scratchDirectory>>;
beforeAll(async () => {
  scratch = await scratchDirectory();
});
afterAll(() => scratch.cleanup());

const bag = buildBag({ payload: { 'data/a.txt': 'alpha' }, oxum: false });

describe('a bag directory holding things that are not files', () => {
  it('fails a symbolic link, even one the manifest does not mention', async () => {
    const directory = await writeBagDirectory(bag, join(scratch.path, 'with-link'));
    await symlink('/etc/passwd', join(directory, 'data', 'passwd'));
    const verification = await verifyDirectory(directory);
    expect(verification.failures).toContain(
      'Unable to verify 1 file in the bag: data/passwd (symbolic link)',
    );
  });

  it('fails a FIFO', async () => {
    const directory = await writeBagDirectory(bag, join(scratch.path, 'with-fifo'));
    execFileSync('mkfifo', [join(directory, 'data', 'pipe')]);
    const verification = await verifyDirectory(directory);
    expect(verification.failures).toContain('Unable to verify 1 file in the bag: data/pipe (FIFO)');
  });

  it('fails a bag-info.txt that is a FIFO or a link instead of waiting on it or following it', async () => {
    const fifo = await writeBagDirectory(bag, join(scratch.path, 'fifo-info'));
    await rm(join(fifo, 'bag-info.txt'));
    execFileSync('mkfifo', [join(fifo, 'bag-info.txt')]);
    expect((await verifyDirectory(fifo)).failures).toContain(
      'Unable to verify 1 file in the bag: bag-info.txt (FIFO)',
    );
    const linked = await writeBagDirectory(bag, join(scratch.path, 'linked-info'));
    await writeFile(join(scratch.path, 'outside-info.txt'), 'Payload-Oxum: 999999999999.1\n');
    await rm(join(linked, 'bag-info.txt'));
    await symlink(join(scratch.path, 'outside-info.txt'), join(linked, 'bag-info.txt'));
    const pool = new HashPool({ threads: 2 });
    try {
      const verification = await verifyDirectory(linked, { hashPool: pool, threadedBytes: 1 << 20 });
      expect(verification.failures).toContain(
        'Unable to verify 1 file in the bag: bag-info.txt (symbolic link)',
      );
      expect(pool.running, 'what a link points to is never read').toBe(false);
    } finally {
      await pool.close();
    }
  });
});

describe('a hostile archive', () => {
  it('is reported as invalid with the refusal as its reason', async () => {
    const entries = [...bag].map(([path, content]) => ({ name: `bag/${path}`, content }));
    const archive = join(scratch.path, 'hostile.tar.gz');
    await writeFile(
      archive,
      await buildTarGz([...entries, { name: 'bag/data/x', type: 'symlink', linkname: '/' }]),
    );
    const verification = await verifyArchive(() => createReadStream(archive), {
      archiveName: 'hostile.tar.gz',
    });
    expect(verification.valid).toBe(false);
    expect(verification.failures).toEqual([
      'Archive entry "bag/data/x" is a symbolic link (to "/"); links are not allowed',
    ]);
  });
});
