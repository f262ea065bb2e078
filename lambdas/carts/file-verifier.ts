import { createHash, type Hash } from 'node:crypto';
import { RefusalError } from '../workflows/task-errors.ts';
import type { CartFile, HashType } from './cart-file.ts';

export const hashMismatchMessage = (id: string) => `File hash does not match provided hash: ${id}`;
export const manifestMismatchMessage = (id: string) => `File hash does not match the storage manifest: ${id}`;
export const sizeMismatchMessage = (id: string) => `File size does not match the storage manifest: ${id}`;

/**
 * The copy read is not the file the storage manifest describes (its size or a manifest digest
 * differs): another location's copy may be, so a reader tries that before refusing the cart.
 */
export class BadCopyError extends RefusalError {}

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
    if (this.bytes > this.file.size) throw new BadCopyError(sizeMismatchMessage(this.file.id));
    for (const hash of this.hashes.values()) hash.update(chunk);
  }

  /**
   * Throws a RefusalError naming the file when its bytes are not the expected ones: a BadCopyError
   * when they are not the manifest's (a corrupt copy), a plain one when only the client's hashsum
   * disagrees with bytes the manifest vouches for (the client's mistake, which no retry cures).
   */
  verify(): void {
    const { file } = this;
    if (this.bytes !== file.size) throw new BadCopyError(sizeMismatchMessage(file.id));
    const digests = new Map([...this.hashes].map(([type, hash]) => [type, hash.digest('hex')]));
    const fixityFails =
      file.fixity !== undefined && digests.get(file.fixity.hashtype) !== file.fixity.digest.toLowerCase();
    if (file.expected && digests.get(file.hashtype) !== file.expected) {
      const corrupt = fixityFails || file.expectedFromManifest === true;
      throw new (corrupt ? BadCopyError : RefusalError)(hashMismatchMessage(file.id));
    }
    if (fixityFails) throw new BadCopyError(manifestMismatchMessage(file.id));
  }
}
