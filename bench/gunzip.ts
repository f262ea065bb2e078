/** The bound for `bagvault validate` on a tar.gz: gunzip alone, nothing else. Usage: gunzip.ts FILE [CHUNK] */
import { createReadStream } from 'node:fs';
import { Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createGunzip } from 'node:zlib';

const [file, chunk] = process.argv.slice(2);
const gunzip = chunk ? createGunzip({ chunkSize: Number(chunk) }) : createGunzip();
const discard = new Writable({ write: (_chunk, _encoding, callback) => callback() });
await pipeline(createReadStream(file, { highWaterMark: 1 << 20 }), gunzip, discard);
