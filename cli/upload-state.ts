/**
 * What an interrupted upload leaves behind so that running the same `bagvault ingest` again resumes
 * it: the multipart plan and, for every part already sent, its ETag and the SHA-256 of its bytes. One
 * small JSON file per (API, bag path, space, identifier), replaced atomically after every part.
 */
import { createHash } from 'node:crypto';
import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join } from 'node:path';

export interface MultipartPlan {
  bucket: string;
  path: string;
  uploadId: string;
  partSize: number;
  parts: { partNumber: number; url: string }[];
  expires: string;
}

export interface SentPart {
  etag: string;
  sha256: string;
  size: number;
}

export interface UploadState {
  fingerprint: string;
  plan: MultipartPlan;
  /** By part number. */
  sent: Record<string, SentPart>;
  /** Set once POST /uploads/complete succeeded: only the ingest remains to be created. */
  completed?: boolean;
}

export function stateDirectory(env: NodeJS.ProcessEnv = process.env): string {
  return (
    env.BAGVAULT_STATE_DIR ?? join(env.XDG_CACHE_HOME ?? join(homedir(), '.cache'), 'bagvault', 'uploads')
  );
}

export class UploadStateFile {
  readonly path: string;

  constructor(identity: unknown[]) {
    const key = createHash('sha256').update(JSON.stringify(identity)).digest('hex').slice(0, 32);
    this.path = join(stateDirectory(), `${key}.json`);
  }

  async read(): Promise<UploadState | undefined> {
    try {
      return JSON.parse(await readFile(this.path, 'utf8')) as UploadState;
    } catch {
      return undefined;
    }
  }

  async write(state: UploadState): Promise<void> {
    await mkdir(join(this.path, '..'), { recursive: true, mode: 0o700 });
    const temporary = `${this.path}.${process.pid}.tmp`;
    // Presigned part URLs are bearer credentials for this upload: readable by the owner only.
    await writeFile(temporary, JSON.stringify(state), { mode: 0o600 });
    await rename(temporary, this.path);
  }

  async remove(): Promise<void> {
    await rm(this.path, { force: true });
  }
}
