import { createHash, type Hash } from 'node:crypto';
import { RefusalError } from '../workflows/task-errors.ts';
import type { CartFile, HashType } from './cart-file.ts';

export const hashMismatchMessage = (id: string) => `File hash does not match provided hash: ${id}`;
export const manifestMismatchMessage = (id: string) => `File hash does not match the storage manifest: ${id}`;
export const sizeMismatchMessage = (id: string) => `File size does not match the storage manifest: ${id}`;

/**
 * Hashes one file's bytes as they pass into the bundle, with the client's hash type and the storage
 * manifest's strongest one (one pass, at most two algorithms), then checks both digests and the size.
 */
export class FileVerifier {
  private readonly file: CartFile;
  private readonly hashes = new Map<HashType, Hash>();
  private bytes = 0;

  constructor(file: CartFile) {
    this.file = file;
    if (file.expected) this.hashes.set(file.hashtype, createHash(file.hashtype));
    if (file.fixity && !this.hashes.has(file.fixity.hashtype))
      this.hashes.set(file.fixity.hashtype, createHash(file.fixity.hashtype));
  }

  update(chunk: Uint8Array): void {
    this.bytes += chunk.length;
    if (this.bytes > this.file.size) throw new RefusalError(sizeMismatchMessage(this.file.id));
    for (const hash of this.hashes.values()) hash.update(chunk);
  }

  /** Throws a RefusalError naming the file when its bytes are not the expected ones. */
  verify(): void {
    if (this.bytes !== this.file.size) throw new RefusalError(sizeMismatchMessage(this.file.id));
    const digests = new Map([...this.hashes].map(([type, hash]) => [type, hash.digest('hex')]));
    if (this.file.expected && digests.get(this.file.hashtype) !== this.file.expected)
      throw new RefusalError(hashMismatchMessage(this.file.id));
    if (this.file.fixity && digests.get(this.file.fixity.hashtype) !== this.file.fixity.digest.toLowerCase())
      throw new RefusalError(manifestMismatchMessage(this.file.id));
  }
}
