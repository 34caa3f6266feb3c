import { randomBytes } from 'node:crypto';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ftplibFixture as fixture } from './support/ftplib.ts';
import { sha256 } from './support/index.ts';

// RANG (draft-bryan-ftp-range) with a real client over real sockets on the file-system storage: Python's ftplib sends
// RANG with sendcmd and does the transfer itself (the range scenarios of python/ftplib_client.py print what it saw).

describe('RANG with Python ftplib on the file-system storage', () => {
  it('RETR sends exactly the bytes of the range, which the 150 counts, and the next RETR the whole file', async () => {
    const { root, run } = await fixture();
    const content = randomBytes(1024 * 1024 + 5);
    await writeFile(join(root, 'data.bin'), content);
    const small = await run('range-download', 'data.bin', 10, 99);
    expect(small).toMatchObject({
      rang: '350 Restarting at 10. End byte range at 99.',
      announced: 90,
      final: '226 Transfer complete.',
      bytes: 90,
      sha256: sha256(content.subarray(10, 100)),
      sliceOfWhole: true,
      wholeBytes: content.byteLength,
    });
    // Across the storage's reads, to the last byte.
    const large = await run('range-download', 'data.bin', 65_000, content.byteLength - 1);
    expect(large).toMatchObject({ bytes: content.byteLength - 65_000, sha256: sha256(content.subarray(65_000)), sliceOfWhole: true });
  });

  it('HASH hashes the range: the digest is the SHA-256 of the file slice and of the bytes RETR sends for it', async () => {
    const { root, run } = await fixture();
    const content = randomBytes(300_000);
    await writeFile(join(root, 'data.bin'), content);
    const result = await run('range-hash', 'data.bin', 10, 99);
    const digest = sha256(content.subarray(10, 100));
    expect(result.rang).toBe('350 Restarting at 10. End byte range at 99.');
    expect(result.hash).toBe(`213 SHA-256 10-100 ${digest} data.bin`);
    expect(result.downloadedSha256).toBe(digest);
    expect(result.downloadedBytes).toBe(90);
  });

  it('STOR writes the range in the file, keeping the bytes before it; refuses a range that ends inside the file', async () => {
    const { root, local, run } = await fixture();
    const original = Buffer.alloc(1000, 'x');
    await writeFile(join(root, 'target.bin'), original);
    const part = randomBytes(500);
    await writeFile(join(local, 'part.bin'), part);
    const stored = await run('range-upload', 'target.bin', 500, 999, join(local, 'part.bin'));
    expect(stored).toMatchObject({ rang: '350 Restarting at 500. End byte range at 999.', final: '226 Transfer complete.' });
    const written = await readFile(join(root, 'target.bin'));
    expect(written.equals(Buffer.concat([original.subarray(0, 500), part]))).toBe(true);

    const refused = await run('range-upload', 'target.bin', 0, 499, join(local, 'part.bin'));
    expect(refused.final).toBe(
      '504 Byte range 0-499 ends before the end of the file (1000 bytes): STOR can only rewrite a file from a byte to its end.',
    );
    expect(refused.noop).toMatch(/^200 /);
    expect((await readFile(join(root, 'target.bin'))).equals(written)).toBe(true);
  });

  it('STOR that does not fill the range exactly is refused, 552 for more data and 426 for less, keeping the bytes before it', async () => {
    const { root, local, run } = await fixture();
    const original = Buffer.alloc(1000, 'x');
    await writeFile(join(local, 'long.bin'), Buffer.alloc(300, 'y'));
    await writeFile(join(local, 'short.bin'), Buffer.alloc(50, 'y'));
    for (const [file, reply] of [
      ['long.bin', '552 More data than the 100 bytes of byte range 900-999: upload stopped.'],
      ['short.bin', '426 The data ended after 50 of the 100 bytes of byte range 900-999: transfer aborted.'],
    ] as const) {
      await writeFile(join(root, 'target.bin'), original);
      const result = await run('range-upload', 'target.bin', 900, 999, join(local, file));
      expect(result.final, file).toBe(reply);
      expect(result.noop, file).toMatch(/^200 /);
      // The storage's resume may have cut the file at the range's start and written part of it, never more.
      const after = await readFile(join(root, 'target.bin'));
      expect(after.byteLength, file).toBeLessThanOrEqual(1000);
      expect(after.subarray(0, 900).equals(original.subarray(0, 900)), file).toBe(true);
    }
  });
});
