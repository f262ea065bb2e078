import { createHash } from 'node:crypto';
import { createMD5, createSHA1, createSHA256, createSHA512, type IHasher } from 'hash-wasm';
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

/** One running digest. */
interface Digest {
  update(chunk: Uint8Array): void;
  hex(): string;
  /** The running state, for a digest that can be carried into another invocation. */
  save?(): Uint8Array;
}

/** Where a verifier stands in a file, to go on in another invocation (see FileVerifier.resumable). */
export interface VerifierState {
  bytes: number;
  /** Each digest's running state, base64, by hash type. */
  digests: Partial<Record<HashType, string>>;
}

const nodeDigest = (type: HashType): Digest => {
  const hash = createHash(type);
  return { update: (chunk) => hash.update(chunk), hex: () => hash.digest('hex') };
};

const WASM_HASHERS: Record<HashType, () => Promise<IHasher>> = {
  md5: createMD5,
  sha1: createSHA1,
  sha256: createSHA256,
  sha512: createSHA512,
};

async function wasmDigest(type: HashType, saved?: string): Promise<Digest> {
  const hasher = await WASM_HASHERS[type]();
  hasher.init();
  if (saved !== undefined) hasher.load(Buffer.from(saved, 'base64'));
  return {
    update: (chunk) => void hasher.update(chunk),
    hex: () => hasher.digest('hex'),
    save: () => hasher.save(),
  };
}

/** The hash types one file is checked with: the client's (when it expects one) and the manifest's strongest. */
function hashTypesOf(file: CartFile): HashType[] {
  const types = new Set<HashType>();
  if (file.expected) types.add(file.hashtype);
  if (file.fixity) types.add(file.fixity.hashtype);
  return [...types];
}

/**
 * Hashes one file's bytes as they pass into the bundle, with the client's hash type and the storage
 * manifest's strongest one (one pass, at most two algorithms), then checks both digests and the size.
 */
export class FileVerifier {
  private readonly file: CartFile;
  private readonly digests: Map<HashType, Digest>;
  private bytes: number;

  constructor(file: CartFile, digests?: Map<HashType, Digest>, bytes = 0) {
    this.file = file;
    this.digests = digests ?? new Map(hashTypesOf(file).map((type) => [type, nodeDigest(type)]));
    this.bytes = bytes;
  }

  /**
   * A verifier whose digests can be saved and loaded in another invocation, for a file too big to
   * read in one. Node's hashes cannot hand out their state, so these are hash-wasm's, which can (they
   * hash slower, so only files that may need it get one). Re-reading the file's consumed prefix to
   * rebuild a digest instead would cost each invocation all the bytes before it: a 150 GB file
   * could then never finish.
   */
  static async resumable(file: CartFile, saved?: VerifierState): Promise<FileVerifier> {
    const types = hashTypesOf(file);
    if (saved && types.some((type) => saved.digests[type] === undefined))
      throw new Error(`The saved digests of ${file.id} are not the ones it is checked with`);
    const digests = new Map<HashType, Digest>();
    for (const type of types) digests.set(type, await wasmDigest(type, saved?.digests[type]));
    return new FileVerifier(file, digests, saved?.bytes ?? 0);
  }

  get bytesRead(): number {
    return this.bytes;
  }

  /** The running state (resumable verifiers only). */
  save(): VerifierState {
    const digests: VerifierState['digests'] = {};
    for (const [type, digest] of this.digests) {
      if (!digest.save) throw new Error('Only a resumable verifier can be saved');
      digests[type] = Buffer.from(digest.save()).toString('base64');
    }
    return { bytes: this.bytes, digests };
  }

  update(chunk: Uint8Array): void {
    this.bytes += chunk.length;
    if (this.bytes > this.file.size) throw new BadCopyError(sizeMismatchMessage(this.file.id));
    for (const digest of this.digests.values()) digest.update(chunk);
  }

  /**
   * Throws a RefusalError naming the file when its bytes are not the expected ones: a BadCopyError
   * when they are not the manifest's (a corrupt copy), a plain one when only the client's hashsum
   * disagrees with bytes the manifest vouches for (the client's mistake, which no retry cures).
   */
  verify(): void {
    const { file } = this;
    if (this.bytes !== file.size) throw new BadCopyError(sizeMismatchMessage(file.id));
    const hex = new Map([...this.digests].map(([type, digest]) => [type, digest.hex()]));
    const fixityFails =
      file.fixity !== undefined && hex.get(file.fixity.hashtype) !== file.fixity.digest.toLowerCase();
    if (file.expected && hex.get(file.hashtype) !== file.expected) {
      const corrupt = fixityFails || file.expectedFromManifest === true;
      throw new (corrupt ? BadCopyError : RefusalError)(hashMismatchMessage(file.id));
    }
    if (fixityFails) throw new BadCopyError(manifestMismatchMessage(file.id));
  }
}
