import { constants as bufferConstants } from 'node:buffer';
import { crc32 } from 'node:zlib';
import {
  AbortMultipartUploadCommand,
  CompleteMultipartUploadCommand,
  CreateMultipartUploadCommand,
  PutObjectCommand,
  UploadPartCommand,
  UploadPartCopyCommand,
  type CompletedPart,
  type S3Client,
} from '@aws-sdk/client-s3';
import type { PluginLogger } from '@ftp/plugin-api';
import { untilAborted } from './abort.ts';
import { applyPayloadSigning, type PayloadSigning } from './payload-signing.ts';

/** The part of `S3Client` the connector uses; tests may pass a fake. */
export type S3Sender = Pick<S3Client, 'send'>;

/** Where and how one object is uploaded. */
export interface UploadTarget {
  readonly client: S3Sender;
  readonly bucket: string;
  readonly key: string;
  /** Bytes of the first parts (S3 needs at least 5 MiB); later parts grow, see `partSizeOf`. */
  readonly partSize: number;
  /** Parts held in memory at once, counting the one being filled: memory is at most queueSize × the part size. */
  readonly queueSize: number;
  /** Aborts the upload: no new part starts, running requests are cancelled, the multipart upload is aborted. */
  readonly signal: AbortSignal;
  /** Refuse to replace an existing object (STOU): sends `If-None-Match: *` where S3 supports it. */
  readonly exclusive: boolean;
  /** Whether PutObject and UploadPart bodies are hashed into the signature (see `skipsPayloadHash`). */
  readonly payloadSigning: PayloadSigning;
  readonly logger: PluginLogger;
  /** The object's Content-Type; none when undefined. */
  readonly contentType?: string | undefined;
}

/** Existing bytes S3 copies into the first parts server-side (UploadPartCopy), instead of streaming them through us. */
export interface CopiedPrefix {
  /** The `CopySource` value: "bucket/url-encoded-key". */
  readonly copySource: string;
  /** The ETag the source must still have. */
  readonly eTag: string | undefined;
  /** How many bytes from the start of the source to copy. At least 5 MiB: they make up non-final parts. */
  readonly bytes: number;
}

/** S3's smallest part: every part but the last must have at least 5 MiB. */
export const minimumPartSize = 5 * 1024 * 1024;
/** S3's largest part, and the largest object CopyObject copies in one request: 5 GiB. */
export const maximumPartSize = 5 * 1024 * 1024 * 1024;
/** The largest part a buffer can hold: S3's largest part, or Node.js's largest Buffer (4 GiB) when that is smaller. */
export const largestPartBuffer = Math.min(maximumPartSize, bufferConstants.MAX_LENGTH);
/** S3 numbers parts 1 to 10,000. */
const maximumParts = 10_000;
/** Parts of one size in an upload before the part size doubles (see `partSizeOf`). */
const partsPerSize = 1_000;

/**
 * The size of part `partNumber` of an upload whose first parts have `partSize` bytes: that size for parts 1 to
 * 1,000, twice it for 1,001 to 2,000, four times for 2,001 to 3,000, and so on, at most `largestPartBuffer`. An FTP
 * upload does not say its length in advance, and S3 takes at most 10,000 parts: a fixed size makes every upload hold
 * as much memory as the largest one needs, or makes the largest ones fail. Growing ones let 5 MiB parts reach 4.9
 * TiB (S3's largest object is 5 TiB) while an upload of up to 1,000 parts (4.9 GiB) holds only `partSize × queueSize`.
 */
export function partSizeOf(partNumber: number, partSize: number): number {
  return Math.min(partSize * 2 ** Math.floor((partNumber - 1) / partsPerSize), largestPartBuffer);
}

/** Base64 of the big-endian CRC32, the form of S3's `x-amz-checksum-crc32`. */
export function crc32Base64(value: number): string {
  const bytes = Buffer.alloc(4);
  bytes.writeUInt32BE(value >>> 0);
  return bytes.toString('base64');
}

/** Byte ranges of at most `maximumPartSize`, each at least `minimumPartSize`, that cover `[0, total)`. */
export function copyRanges(total: number): Array<{ readonly first: number; readonly last: number }> {
  const count = Math.ceil(total / maximumPartSize);
  const size = Math.ceil(total / count);
  const ranges: Array<{ first: number; last: number }> = [];
  for (let first = 0; first < total; first += size) ranges.push({ first, last: Math.min(first + size, total) - 1 });
  return ranges;
}

/**
 * Streams `source` into one S3 object with bounded memory, visible only once complete.
 *
 * Bytes are copied into part buffers (of `partSizeOf` each). A chunk is pulled from `source` only while the buffer
 * being filled has room, and a new buffer is started only when fewer than `queueSize` parts are uploading, so at most
 * `queueSize` part buffers are held (plus the one chunk in hand, at most 64 KiB from a socket). When S3 is
 * slower than the client we simply stop pulling, and the server stops reading the data socket (TCP back-pressure)
 * instead of buffering or failing.
 *
 * Less than one part in total is stored with a single PutObject. Otherwise a multipart upload is created at the
 * first full part and completed after the last; on any failure or abort, running part uploads are cancelled and
 * AbortMultipartUpload is sent, so no object and no upload is left behind. Every PutObject and UploadPart carries
 * the CRC32 of its body, which S3 verifies. The multipart upload is created without a checksum algorithm and
 * completed with part numbers and ETags only: that is the combination every S3-compatible server accepts (S3 then
 * stores its own full-object checksum; a part list with checksums is refused by servers that do not know them).
 */
export class StreamingUpload {
  readonly #target: UploadTarget;
  readonly #stop = new AbortController();
  readonly #signal: AbortSignal;
  readonly #running = new Set<Promise<void>>();
  readonly #parts: CompletedPart[] = [];
  /** Part buffers whose upload finished, reused for the next parts so an upload allocates at most queueSize. */
  readonly #freeBuffers: Buffer[] = [];
  #uploadId: string | undefined;
  #failure: unknown;
  #nextPartNumber = 1;

  constructor(target: UploadTarget) {
    this.#target = target;
    this.#signal = AbortSignal.any([target.signal, this.#stop.signal]);
  }

  /** Uploads everything `source` yields after the optional copied prefix; resolves with the streamed byte count. */
  async run(source: AsyncIterable<Uint8Array>, prefix?: CopiedPrefix): Promise<number> {
    try {
      if (prefix !== undefined) await this.#copyPrefix(prefix);
      const streamed = await this.#stream(source);
      this.#throwIfFailed();
      return streamed;
    } catch (error) {
      // The first failure is the one to report; the cancellations it causes come after it.
      this.#failure ??= error;
      await this.#abandon();
      throw this.#failure;
    }
  }

  async #stream(source: AsyncIterable<Uint8Array>): Promise<number> {
    let buffer = this.#takeBuffer();
    let filled = 0;
    let partCrc = 0;
    let streamed = 0;
    for await (const chunk of untilAborted(source, this.#signal)) {
      for (let offset = 0; offset < chunk.byteLength; ) {
        const piece = chunk.subarray(offset, offset + Math.min(buffer.byteLength - filled, chunk.byteLength - offset));
        buffer.set(piece, filled);
        partCrc = crc32(piece, partCrc);
        filled += piece.byteLength;
        offset += piece.byteLength;
        if (filled === buffer.byteLength) {
          await this.#startPart(buffer, filled, partCrc);
          // The buffer belongs to the running part now; wait for a free slot before taking another one.
          await this.#waitForSlot(this.#target.queueSize - 1);
          buffer = this.#takeBuffer();
          filled = 0;
          partCrc = 0;
        }
      }
      streamed += chunk.byteLength;
    }
    this.#throwIfFailed();
    if (this.#uploadId === undefined) {
      await this.#putWhole(buffer.subarray(0, filled), partCrc);
      return streamed;
    }
    if (filled > 0) await this.#startPart(buffer, filled, partCrc);
    await this.#waitForSlot(0);
    this.#throwIfFailed();
    await this.#complete();
    return streamed;
  }

  /**
   * The buffer for the next part, of that part's size: a reused one when a part upload has finished with it, else a
   * new one. Reuse keeps an upload's memory at queueSize buffers instead of leaving one garbage buffer per part for
   * the garbage collector; buffers of a smaller size than the parts have grown to are dropped.
   */
  #takeBuffer(): Buffer {
    const size = partSizeOf(this.#nextPartNumber, this.#target.partSize);
    for (let reused = this.#freeBuffers.pop(); reused !== undefined; reused = this.#freeBuffers.pop()) {
      if (reused.byteLength === size) return reused;
    }
    return Buffer.allocUnsafeSlow(size);
  }

  async #putWhole(body: Buffer, bodyCrc: number): Promise<void> {
    const { client, bucket, key, exclusive, payloadSigning, contentType } = this.#target;
    const command = new PutObjectCommand({
      Bucket: bucket,
      Key: key,
      ContentType: contentType,
      Body: body,
      ContentLength: body.byteLength,
      ChecksumCRC32: crc32Base64(bodyCrc),
      ...(exclusive ? { IfNoneMatch: '*' } : {}),
    });
    applyPayloadSigning(command, payloadSigning);
    await client.send(command, { abortSignal: this.#signal });
  }

  async #create(): Promise<string> {
    if (this.#uploadId !== undefined) return this.#uploadId;
    const { client, bucket, key, contentType } = this.#target;
    const created = await client.send(new CreateMultipartUploadCommand({ Bucket: bucket, Key: key, ContentType: contentType }), {
      abortSignal: this.#signal,
    });
    if (created.UploadId === undefined) throw new Error('CreateMultipartUpload returned no UploadId');
    this.#uploadId = created.UploadId;
    return created.UploadId;
  }

  #takePartNumber(): number {
    const partNumber = this.#nextPartNumber;
    if (partNumber > maximumParts) {
      throw new Error(`the upload needs more than ${maximumParts} parts; raise partSize (now ${this.#target.partSize})`);
    }
    this.#nextPartNumber += 1;
    return partNumber;
  }

  /** Starts uploading one part in the background; a failure is recorded and stops the whole upload. */
  async #startPart(buffer: Buffer, length: number, partCrc: number): Promise<void> {
    const body = buffer.subarray(0, length);
    const uploadId = await this.#create();
    const partNumber = this.#takePartNumber();
    const { client, bucket, key } = this.#target;
    const command = new UploadPartCommand({
      Bucket: bucket,
      Key: key,
      UploadId: uploadId,
      PartNumber: partNumber,
      Body: body,
      ContentLength: body.byteLength,
      ChecksumCRC32: crc32Base64(partCrc),
    });
    applyPayloadSigning(command, this.#target.payloadSigning);
    this.#track(
      client.send(command, { abortSignal: this.#signal }).then((result) => {
        this.#parts.push({ PartNumber: partNumber, ETag: result.ETag });
        // The SDK is done with the body once send() settles (retries happen inside it), so the buffer can be reused.
        this.#freeBuffers.push(buffer);
      }),
    );
  }

  async #copyPrefix(prefix: CopiedPrefix): Promise<void> {
    const uploadId = await this.#create();
    const { client, bucket, key } = this.#target;
    for (const range of copyRanges(prefix.bytes)) {
      const partNumber = this.#takePartNumber();
      const command = new UploadPartCopyCommand({
        Bucket: bucket,
        Key: key,
        UploadId: uploadId,
        PartNumber: partNumber,
        CopySource: prefix.copySource,
        CopySourceRange: `bytes=${range.first}-${range.last}`,
        ...(prefix.eTag === undefined ? {} : { CopySourceIfMatch: prefix.eTag }),
      });
      this.#track(
        client.send(command, { abortSignal: this.#signal }).then((result) => {
          this.#parts.push({ PartNumber: partNumber, ETag: result.CopyPartResult?.ETag });
        }),
      );
      await this.#waitForSlot(this.#target.queueSize - 1);
    }
  }

  #track(request: Promise<void>): void {
    const running: Promise<void> = request.then(
      () => {
        this.#running.delete(running);
      },
      (error: unknown) => {
        this.#running.delete(running);
        this.#failure ??= error;
        this.#stop.abort(error);
      },
    );
    this.#running.add(running);
  }

  /** Waits until at most `limit` part requests are running, failing fast if one of them failed. */
  async #waitForSlot(limit: number): Promise<void> {
    while (this.#running.size > limit) {
      await Promise.race(this.#running);
      this.#throwIfFailed();
    }
  }

  #throwIfFailed(): void {
    if (this.#failure !== undefined) throw this.#failure;
    this.#target.signal.throwIfAborted();
  }

  async #complete(): Promise<void> {
    const { client, bucket, key, exclusive } = this.#target;
    const parts = [...this.#parts].sort((left, right) => (left.PartNumber ?? 0) - (right.PartNumber ?? 0));
    await client.send(
      new CompleteMultipartUploadCommand({
        Bucket: bucket,
        Key: key,
        UploadId: this.#uploadId,
        MultipartUpload: { Parts: parts },
        ...(exclusive ? { IfNoneMatch: '*' } : {}),
      }),
      { abortSignal: this.#signal },
    );
    this.#uploadId = undefined;
  }

  /** Cancels running part requests, waits for them, and aborts the multipart upload so S3 keeps no parts. */
  async #abandon(): Promise<void> {
    this.#stop.abort(new Error('upload abandoned'));
    await Promise.allSettled([...this.#running]);
    const uploadId = this.#uploadId;
    if (uploadId === undefined) return;
    this.#uploadId = undefined;
    const { client, bucket, key, logger } = this.#target;
    try {
      // Not tied to the session's signal: the abort must go out precisely when the transfer was cancelled.
      await client.send(new AbortMultipartUploadCommand({ Bucket: bucket, Key: key, UploadId: uploadId }));
    } catch (error) {
      // S3 keeps the parts until a lifecycle rule removes them; the log tells the operator which upload it was.
      logger.warn({ key, uploadId, error: String(error) }, 'storage-s3 could not abort a multipart upload');
    }
  }
}
