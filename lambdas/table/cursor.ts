import { createCipheriv, createDecipheriv, hkdfSync, randomBytes } from 'node:crypto';
import { GetSecretValueCommand } from '@aws-sdk/client-secrets-manager';
import { secretsManager } from '../aws-clients.ts';
import { config, ENV } from '../config.ts';
import { Invalid } from '../errors.ts';

/**
 * List cursors are the position in a table list, sealed with AES-256-GCM under a key derived from a
 * secret of this deployment (or local home): they reveal no key of the table, and one that was
 * forged, altered, or issued for another list, another parameter or another caller does not open.
 * The binding (what the list is, for whom) is the authenticated additional data, not in the cursor.
 */
const FORMAT = 1;
const IV_BYTES = 12;
const TAG_BYTES = 16;
/** Far above any cursor this code issues; longer input is refused before any work. */
const MAX_CURSOR_CHARS = 2048;

const keys = new Map<string, Promise<Buffer>>();

async function secretValue(): Promise<string> {
  const { cursorSecret, cursorSecretArn } = config();
  if (cursorSecret) return cursorSecret;
  if (!cursorSecretArn)
    throw new Error(`Missing configuration: set ${ENV.cursorSecret} or ${ENV.cursorSecretArn}`);
  const { SecretString } = await secretsManager().send(
    new GetSecretValueCommand({ SecretId: cursorSecretArn }),
  );
  if (!SecretString) throw new Error(`The cursor secret ${cursorSecretArn} has no string value`);
  return SecretString;
}

/** One derived key per secret source, fetched once per process (a Lambda container or the local stack). */
function cursorKey(): Promise<Buffer> {
  const { cursorSecret, cursorSecretArn } = config();
  const source = cursorSecret ? `value:${cursorSecret}` : `arn:${cursorSecretArn ?? ''}`;
  let key = keys.get(source);
  if (!key) {
    key = secretValue().then((secret) =>
      Buffer.from(hkdfSync('sha256', secret, 'bagvault', 'list cursor', 32)),
    );
    // A failed fetch (throttling, say) must not be remembered.
    key.catch(() => keys.delete(source));
    keys.set(source, key);
  }
  return key;
}

export const invalidCursor = () =>
  new Invalid('Invalid value at next: the cursor is not one this list issued.');

export async function sealCursor(position: Record<string, unknown>, binding: string): Promise<string> {
  const iv = randomBytes(IV_BYTES);
  const cipher = createCipheriv('aes-256-gcm', await cursorKey(), iv);
  cipher.setAAD(Buffer.from(binding, 'utf8'));
  const sealed = Buffer.concat([cipher.update(JSON.stringify(position), 'utf8'), cipher.final()]);
  return Buffer.concat([Buffer.from([FORMAT]), iv, cipher.getAuthTag(), sealed]).toString('base64url');
}

/** The position a cursor holds, or `Invalid` (400) when it does not open for this binding. */
export async function openCursor(raw: string, binding: string): Promise<unknown> {
  if (raw.length > MAX_CURSOR_CHARS || !/^[A-Za-z0-9_-]+$/.test(raw)) throw invalidCursor();
  const bytes = Buffer.from(raw, 'base64url');
  // Only the one spelling this code issues: a last character differing in unused bits is another cursor.
  if (bytes.toString('base64url') !== raw) throw invalidCursor();
  if (bytes.length <= 1 + IV_BYTES + TAG_BYTES || bytes[0] !== FORMAT) throw invalidCursor();
  const iv = bytes.subarray(1, 1 + IV_BYTES);
  const tag = bytes.subarray(1 + IV_BYTES, 1 + IV_BYTES + TAG_BYTES);
  try {
    const decipher = createDecipheriv('aes-256-gcm', await cursorKey(), iv, { authTagLength: TAG_BYTES });
    decipher.setAAD(Buffer.from(binding, 'utf8'));
    decipher.setAuthTag(tag);
    const plain = Buffer.concat([
      decipher.update(bytes.subarray(1 + IV_BYTES + TAG_BYTES)),
      decipher.final(),
    ]);
    return JSON.parse(plain.toString('utf8')) as unknown;
  } catch {
    throw invalidCursor();
  }
}
