import { setImmediate as nextTurn } from 'node:timers/promises';
import { crc32 } from 'node:zlib';
import {
  AbortMultipartUploadCommand,
  CompleteMultipartUploadCommand,
  CreateMultipartUploadCommand,
  PutObjectCommand,
  UploadPartCommand,
} from '@aws-sdk/client-s3';
import { describe, expect, it } from 'vitest';
import { silentLogger } from '@ftp/plugin-api';
import {
  copyRanges,
  crc32Base64,
  largestPartBuffer,
  maximumPartSize,
  minimumPartSize,
  partSizeOf,
  StreamingUpload,
  type S3Sender,
} from './multipart-upload.ts';

/** A fake S3 that takes a few event-loop turns per part, like a store slower than the client. */
class SlowFakeS3 {
  readonly commands: string[] = [];
  readonly storedParts = new Map<number, Buffer>();
  completedBytes = 0;
  failPart: number | undefined;
  putBody: Buffer | undefined;

  readonly sender: S3Sender = {
    send: (async (command: unknown) => {
      this.commands.push((command as object).constructor.name);
      if (command instanceof CreateMultipartUploadCommand) return { UploadId: 'upload-1' };
      if (command instanceof UploadPartCommand) {
        const { PartNumber, Body, ChecksumCRC32 } = command.input;
        const body = Buffer.from(Body as Uint8Array);
        expect(ChecksumCRC32).toBe(crc32Base64(crc32(body)));
        for (let turn = 0; turn < 5; turn += 1) await nextTurn();
        if (PartNumber === this.failPart) throw Object.assign(new Error('injected'), { name: 'InternalError' });
        this.storedParts.set(PartNumber ?? 0, Buffer.from(body));
        this.completedBytes += body.byteLength;
        return { ETag: `"etag-${PartNumber}"` };
      }
      if (command instanceof PutObjectCommand) {
        this.putBody = Buffer.from(command.input.Body as Uint8Array);
        return {};
      }
      return {};
    }) as S3Sender['send'],
  };

  /** The parts' content joined in part-number order. */
  joined(): Buffer {
    return Buffer.concat([...this.storedParts.entries()].sort(([left], [right]) => left - right).map(([, body]) => body));
  }
}

function target(fake: SlowFakeS3, signal = new AbortController().signal) {
  return {
    client: fake.sender,
    bucket: 'bucket',
    key: 'key',
    partSize: 1000,
    queueSize: 3,
    signal,
    exclusive: false,
    payloadSigning: 'auto' as const,
    logger: silentLogger,
  };
}

/** Yields `chunks` chunks of `size` bytes whose values depend on the position, recording how much was pulled. */
function source(chunks: number, size: number, onPull: (pulled: number) => void = () => {}) {
  const state = { pulled: 0, returned: false };
  async function* generate(): AsyncGenerator<Uint8Array> {
    try {
      for (let index = 0; index < chunks; index += 1) {
        const chunk = Buffer.alloc(size, index % 251);
        state.pulled += size;
        onPull(state.pulled);
        yield chunk;
      }
    } finally {
      state.returned = true;
    }
  }
  return { data: generate(), state };
}

describe('StreamingUpload', () => {
  it('never holds more than partSize × queueSize bytes when S3 is slower than the client', async () => {
    const fake = new SlowFakeS3();
    let worstHeld = 0;
    // 333-byte chunks straddle the 1,000-byte part boundaries.
    const { data } = source(60, 333, (pulled) => {
      worstHeld = Math.max(worstHeld, pulled - fake.completedBytes);
    });
    await new StreamingUpload(target(fake)).run(data);
    // Three part buffers, plus the one chunk in hand that is being split across a part boundary.
    expect(worstHeld).toBeLessThanOrEqual(1000 * 3 + 333);
    expect(worstHeld).toBeGreaterThan(1000);
    expect(fake.joined()).toEqual(Buffer.concat(Array.from({ length: 60 }, (_, index) => Buffer.alloc(333, index % 251))));
    expect(fake.commands.at(0)).toBe('CreateMultipartUploadCommand');
    expect(fake.commands.at(-1)).toBe('CompleteMultipartUploadCommand');
    expect(fake.commands).not.toContain('AbortMultipartUploadCommand');
  });

  it('doubles the part size after 1,000 parts, reusing buffers only of the current size', async () => {
    const fake = new SlowFakeS3();
    // 1,000 parts of 1,000 bytes, two of 2,000, then the 700 bytes left over (1,004,700 in all, in 3,349 chunks).
    const { data } = source(3349, 300);
    await new StreamingUpload(target(fake)).run(data);
    const sizes = [...fake.storedParts.entries()].sort(([left], [right]) => left - right).map(([, body]) => body.byteLength);
    expect(sizes).toEqual([...Array.from({ length: 1000 }, () => 1000), 2000, 2000, 700]);
    expect(fake.joined()).toEqual(Buffer.concat(Array.from({ length: 3349 }, (_, index) => Buffer.alloc(300, index % 251))));
    expect(fake.commands.at(-1)).toBe('CompleteMultipartUploadCommand');
  });

  it('stores less than one part with a single PutObject carrying its CRC32', async () => {
    const fake = new SlowFakeS3();
    await new StreamingUpload(target(fake)).run(source(3, 300).data);
    expect(fake.commands).toEqual(['PutObjectCommand']);
    expect(fake.putBody?.byteLength).toBe(900);
  });

  it('aborts the multipart upload and stops reading when a part fails', async () => {
    const fake = new SlowFakeS3();
    fake.failPart = 2;
    const { data, state } = source(1000, 100);
    await expect(new StreamingUpload(target(fake)).run(data)).rejects.toThrow('injected');
    expect(fake.commands).toContain('AbortMultipartUploadCommand');
    expect(fake.commands).not.toContain('CompleteMultipartUploadCommand');
    expect(state.returned).toBe(true);
    expect(state.pulled).toBeLessThan(100_000);
  });

  it('aborts the multipart upload when the signal aborts', async () => {
    const fake = new SlowFakeS3();
    const controller = new AbortController();
    const { data } = source(1000, 100, (pulled) => {
      if (pulled === 2500) controller.abort(new Error('ABOR'));
    });
    await expect(new StreamingUpload(target(fake, controller.signal)).run(data)).rejects.toThrow('ABOR');
    expect(fake.commands.filter((name) => name === AbortMultipartUploadCommand.name)).toHaveLength(1);
    expect(fake.commands).not.toContain(CompleteMultipartUploadCommand.name);
  });
});

describe('partSizeOf', () => {
  it('keeps the first size for 1,000 parts, then doubles it every 1,000, up to the largest buffer', () => {
    const first = minimumPartSize;
    expect([1, 1000, 1001, 2000, 2001, 3001].map((part) => partSizeOf(part, first))).toEqual([
      first,
      first,
      2 * first,
      2 * first,
      4 * first,
      8 * first,
    ]);
    expect(partSizeOf(10_000, first)).toBe(512 * first);
    expect(partSizeOf(5000, 1024 * 1024 * 1024)).toBe(largestPartBuffer);
  });

  it('fits 4.9 TiB into 10,000 parts of growing size from 5 MiB', () => {
    let total = 0;
    for (let part = 1; part <= 10_000; part += 1) total += partSizeOf(part, minimumPartSize);
    expect(total).toBe(1_023_000 * minimumPartSize);
    expect(total / 2 ** 40).toBeGreaterThan(4.8);
  });
});

describe('copyRanges', () => {
  it('covers the bytes with ranges of at most 5 GiB and at least 5 MiB', () => {
    for (const total of [minimumPartSize, maximumPartSize, maximumPartSize + 1, 3 * maximumPartSize + 12_345]) {
      const ranges = copyRanges(total);
      expect(ranges[0]?.first).toBe(0);
      expect(ranges.at(-1)?.last).toBe(total - 1);
      for (const [index, range] of ranges.entries()) {
        const size = range.last - range.first + 1;
        expect(size).toBeLessThanOrEqual(maximumPartSize);
        expect(size).toBeGreaterThanOrEqual(minimumPartSize);
        if (index > 0) expect(range.first).toBe((ranges[index - 1]?.last ?? 0) + 1);
      }
    }
  });
});
