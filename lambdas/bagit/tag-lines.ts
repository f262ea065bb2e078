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
 * numbers match. Throws TagDecodeError at the first bytes the encoding refuses.
 */
export async function* readTagLines(
  store: BagStore,
  path: string,
  decoder: TagDecoder,
): AsyncGenerator<TagLine> {
  let pending = '';
  let number = 0;
  function* split(text: string, final: boolean): Generator<TagLine> {
    pending += text;
    let start = 0;
    for (let i = 0; i < pending.length; i++) {
      const c = pending.charCodeAt(i);
      if (c !== 10 && c !== 13) continue;
      // A CR at the end of what has arrived may be the first half of a CRLF.
      if (c === 13 && i === pending.length - 1 && !final) break;
      yield { text: pending.slice(start, i), number: ++number };
      if (c === 13 && pending.charCodeAt(i + 1) === 10) i++;
      start = i + 1;
    }
    pending = pending.slice(start);
    if (final) yield { text: pending, number: ++number };
  }
  for await (const chunk of await store.readFile(path)) yield* split(decoder.write(chunk as Buffer), false);
  yield* split(decoder.end(), true);
}
