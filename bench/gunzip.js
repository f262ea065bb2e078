/**
 * The bound for `bagvault validate` on a tar.gz: gunzip alone, nothing else. Usage: gunzip.js FILE [CHUNK]
 * Plain JavaScript like bin/bagvault.js, so that the bound does not pay for Node's TypeScript
 * stripping either (about 30 ms of start-up).
 */
import { createReadStream } from 'node:fs';
import process from 'node:process';
import { Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createGunzip } from 'node:zlib';

const [file, chunk] = process.argv.slice(2);
const gunzip = chunk ? createGunzip({ chunkSize: Number(chunk) }) : createGunzip();
const discard = new Writable({ write: (_chunk, _encoding, callback) => callback() });
await pipeline(createReadStream(file, { highWaterMark: 1 << 20 }), gunzip, discard);
