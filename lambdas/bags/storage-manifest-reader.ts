import { parseStored } from '../schemas/problems.ts';
import {
  manifestFileSchema,
  type ManifestFile,
  type StorageManifest,
  storageManifestSchema,
} from './storage-manifest.ts';

/**
 * Reads a storage manifest without holding its file lists: a 1,000,000-file manifest is ~236 MB of
 * JSON, more than a step may parse at once. The text is scanned once; the entries of each `files`
 * array are parsed one at a time and handed to `onFile`, and the rest (the skeleton, with those
 * arrays empty) is parsed at the end. Strings are tracked with their escapes and keys with their
 * nesting, so only `manifest.files` and `tagManifest.files` are taken, whatever bag-info holds.
 */
export async function scanStorageManifest(
  text: AsyncIterable<string | Uint8Array>,
  onFile: (file: ManifestFile, list: 'manifest' | 'tagManifest') => void | Promise<void>,
): Promise<StorageManifest> {
  let skeleton = '';
  let element = '';
  let inString = false;
  let escaped = false;
  let depth = 0;
  /** The last string's first characters: a key when a `:` follows it. */
  let lastString = '';
  let currentString = '';
  /** The key whose value comes next, if the last token was `key:`. */
  let pendingKey: string | undefined;
  /** The key of every open object or array, outermost first ('' for array elements and the root). */
  const keys: string[] = [];
  /** Depth of the `files` array being read, or -1 outside one. */
  let arrayDepth = -1;
  let arraysSeen = 0;
  let list: 'manifest' | 'tagManifest' = 'manifest';
  const decoder = new TextDecoder();

  for await (const piece of text) {
    const chunk = typeof piece === 'string' ? piece : decoder.decode(piece, { stream: true });
    let skeletonStart = arrayDepth < 0 ? 0 : -1;
    let elementStart = arrayDepth >= 0 && depth > arrayDepth ? 0 : -1;
    for (let i = 0; i < chunk.length; i++) {
      const c = chunk[i] as string;
      if (inString) {
        if (escaped) escaped = false;
        else if (c === '\\') escaped = true;
        else if (c === '"') {
          inString = false;
          lastString = currentString;
        }
        // Keys are short: only the start of a string is kept, enough to recognise `files`.
        if (inString && currentString.length < 16) currentString += c;
        continue;
      }
      if (c === '"') {
        inString = true;
        currentString = '';
        pendingKey = undefined;
        continue;
      }
      if (c === ':') {
        pendingKey = lastString;
        continue;
      }
      if (c === ' ' || c === '\n' || c === '\r' || c === '\t') continue;
      if (c === '{' || c === '[') {
        const parent = keys.at(-1);
        keys.push(pendingKey ?? '');
        depth += 1;
        // Only the two file lists: `manifest.files` and `tagManifest.files` of the document itself.
        const fileList =
          c === '[' &&
          pendingKey === 'files' &&
          depth === 3 &&
          (parent === 'manifest' || parent === 'tagManifest');
        pendingKey = undefined;
        if (fileList && arrayDepth < 0) {
          list = parent;
          // The skeleton keeps `[`; the entries go to onFile until the matching `]`.
          skeleton += chunk.slice(skeletonStart, i + 1);
          skeletonStart = -1;
          arrayDepth = depth;
          continue;
        }
        if (arrayDepth >= 0 && depth === arrayDepth + 1) elementStart = i;
        continue;
      }
      if (c === '}' || c === ']') {
        if (arrayDepth >= 0 && depth === arrayDepth + 1) {
          element += chunk.slice(elementStart, i + 1);
          elementStart = -1;
          await onFile(parseStored('storage manifest entry', JSON.parse(element), manifestFileSchema), list);
          element = '';
        } else if (arrayDepth >= 0 && depth === arrayDepth) {
          arrayDepth = -1;
          arraysSeen += 1;
          skeletonStart = i;
        }
        depth -= 1;
        keys.pop();
      }
      pendingKey = undefined;
    }
    if (skeletonStart >= 0) skeleton += chunk.slice(skeletonStart);
    if (elementStart >= 0) element += chunk.slice(elementStart);
  }
  if (inString || depth !== 0 || arraysSeen !== 2) throw new Error('Not a complete storage manifest');
  return parseStored('storage manifest', JSON.parse(skeleton), storageManifestSchema);
}
