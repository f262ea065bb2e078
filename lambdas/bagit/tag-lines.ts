import type { BagStore } from './bag-store.ts';
import type { TagDecoder } from './tag-encoding.ts';

export interface TagLine {
  text: string;
  /** 1-based, as failure messages name it. */
  number: number;
}

/**
 * The lines of a tag file, decoded as they stream in: split at CRLF, CR or LF exactly as
 * `text.split(/\r\n|\r|\n/)` would split the whole file (a final empty line included), so line
 * numbers match. Throws TagDecodeError at the first bytes the encoding refuses; the lines before
 * them still come first. The lines of each chunk come together: a manifest of many lines costs one
 * await per chunk rather than per line.
 */
export async function* readTagLineBatches(
  store: BagStore,
  path: string,
  decoder: TagDecoder,
): AsyncGenerator<TagLine[]> {
  let pending = '';
  let number = 0;
  function split(text: string, final: boolean): TagLine[] {
    const lines: TagLine[] = [];
    pending += text;
    let start = 0;
    for (let i = 0; i < pending.length; i++) {
      const c = pending.charCodeAt(i);
      if (c !== 10 && c !== 13) continue;
      // A CR at the end of what has arrived may be the first half of a CRLF.
      if (c === 13 && i === pending.length - 1 && !final) break;
      lines.push({ text: pending.slice(start, i), number: ++number });
      if (c === 13 && pending.charCodeAt(i + 1) === 10) i++;
      start = i + 1;
    }
    pending = pending.slice(start);
    if (final) lines.push({ text: pending, number: ++number });
    return lines;
  }
  for await (const chunk of await store.readFile(path)) {
    const lines = split(decoder.write(chunk as Buffer), false);
    if (lines.length > 0) yield lines;
  }
  yield split(decoder.end(), true);
}
