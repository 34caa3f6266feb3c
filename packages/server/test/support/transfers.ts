import type { Client } from 'basic-ftp';
import { Readable, Writable } from 'node:stream';

/** Uploads a buffer with basic-ftp (STOR, or APPE when `append`). */
export async function uploadBuffer(client: Client, remotePath: string, content: Uint8Array, append = false): Promise<void> {
  const source = Readable.from([Buffer.from(content)]);
  if (append) await client.appendFrom(source, remotePath);
  else await client.uploadFrom(source, remotePath);
}

/** Downloads a file with basic-ftp into a buffer (RETR, with REST first when `startAt` > 0). */
export async function downloadBuffer(client: Client, remotePath: string, startAt = 0): Promise<Buffer> {
  const chunks: Buffer[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _encoding, done) {
      chunks.push(chunk);
      done();
    },
  });
  await client.downloadTo(sink, remotePath, startAt);
  return Buffer.concat(chunks);
}
