import { Invalid } from '../errors.ts';

/** `?limit=` (1–1000, default 100) as SPEC §5 says. */
export function parseLimit(raw: string | undefined): number {
  if (raw === undefined) return 100;
  const limit = Number(raw);
  if (!/^\d+$/.test(raw) || limit < 1 || limit > 1000) {
    throw new Invalid(`Invalid value at limit: got "${raw}", must be an integer from 1 to 1000.`);
  }
  return limit;
}

type Key = Record<string, string>;

/** An opaque cursor is the last evaluated key, bound to the list it came from. */
export function encodeCursor(lastKey: Record<string, unknown> | undefined): string | undefined {
  if (!lastKey) return undefined;
  return Buffer.from(JSON.stringify(lastKey), 'utf8').toString('base64url');
}

/**
 * A cursor is accepted only if it decodes to exactly the key attributes of the list being read and
 * stays inside that list's partition: a tampered or foreign cursor is a 400, never a silent jump.
 */
export function decodeCursor(
  raw: string | undefined,
  expected: { attributes: string[]; partition: Key },
): Key | undefined {
  if (raw === undefined) return undefined;
  const invalid = () => new Invalid('Invalid value at next: the cursor is not one this list issued.');
  let decoded: unknown;
  try {
    decoded = JSON.parse(Buffer.from(raw, 'base64url').toString('utf8'));
  } catch {
    throw invalid();
  }
  if (typeof decoded !== 'object' || decoded === null || Array.isArray(decoded)) throw invalid();
  const key = decoded as Record<string, unknown>;
  const names = Object.keys(key).sort();
  if (names.join() !== [...expected.attributes].sort().join()) throw invalid();
  // DynamoDB refuses an empty key value or one over 1 KB with a ValidationException (a 500).
  const keyValue = (value: unknown) =>
    typeof value === 'string' && value !== '' && Buffer.byteLength(value) <= 1024;
  if (!names.every((name) => keyValue(key[name]))) throw invalid();
  for (const [name, value] of Object.entries(expected.partition)) if (key[name] !== value) throw invalid();
  return key as Key;
}
