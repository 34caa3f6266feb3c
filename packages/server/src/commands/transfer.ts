import type { WriteResult } from '@ftp/plugin-api';
import { createAsciiDecoder, createAsciiEncoder, ReplyCode } from '@ftp/protocol';
import { ReplyError } from '../errors/server-errors.ts';
import type { DataProtection } from '../data-channel/data-protection.ts';
import { abortError } from '../data-channel/received-data.ts';
import { SendBufferPool } from '../data-channel/send-buffer-pool.ts';
import type { CommandContext } from '../session/command-context.ts';

/**
 * The two transfer shapes every data command shares. Reply order (RFC 959 §5.4): errors about the file come before
 * any 150; 150 only once the data connection is open; 226 only after every byte was sent, or after the storage has
 * committed the upload; 426 when the transfer stopped.
 */

function requirePreparedDataChannel(context: CommandContext): void {
  if (!context.dataChannels.isPrepared) {
    throw new ReplyError(ReplyCode.CannotOpenDataConnection, 'Use PORT, EPRT, PASV or EPSV first.');
  }
  // RFC 4217 §10: a policy requiring protected data refuses before any data moves.
  if (context.tls?.requireForData === true && context.state.dataProtection !== 'P') {
    throw new ReplyError(ReplyCode.RequestDeniedForPolicy, 'Data connections must be encrypted: send PBSZ 0 and PROT P.');
  }
}

/** PROT P: the session's TLS context protects the data connection (RFC 4217 §9). */
function dataProtection(context: CommandContext): DataProtection | undefined {
  const secureContext = context.state.tlsContext;
  if (context.state.dataProtection !== 'P' || secureContext === undefined) return undefined;
  return { secureContext, requireSessionReuse: context.tls?.requireSessionReuse ?? true };
}

export interface SendOptions {
  readonly command: string;
  readonly path: string;
  /** Opens the source; a rejection here is answered before 150. `bufferPool` is for the storage's `ReadOptions`. */
  openSource(signal: AbortSignal, bufferPool: SendBufferPool): Promise<AsyncIterable<Uint8Array>>;
  /** Text of the 150 reply, asked for once the source is open (RETR learns the file's size from opening it). */
  openingText(): string;
  /** Convert bare LF to CRLF (TYPE A, RFC 959 §3.1.1.1). */
  readonly ascii: boolean;
  /** Emits `download` when set (RETR; listings emit nothing). */
  readonly emitDownload: boolean;
}

/** RETR, LIST, NLST, MLSD: the server sends, then closes the data connection to mark the end (RFC 959 §3.4). */
export async function sendToClient(context: CommandContext, options: SendOptions): Promise<void> {
  requirePreparedDataChannel(context);
  await context.runTransfer(options.command, options.path, async (transfer) => {
    let source: AsyncIterable<Uint8Array>;
    const bufferPool = new SendBufferPool();
    try {
      source = await options.openSource(transfer.signal, bufferPool);
    } catch (error) {
      context.dataChannels.close();
      throw error;
    }
    const { connection, handshake } = await context.dataChannels
      .open(transfer.signal, dataProtection(context))
      .catch(async (error: unknown) => {
        await closeIterable(source);
        throw error;
      });
    transfer.trackBytes(() => connection.bytesTransferred);
    const startedAt = Date.now();
    context.reply(ReplyCode.FileStatusOkay, options.openingText());
    try {
      await handshake.catch(async (error: unknown) => {
        await closeIterable(source);
        throw error;
      });
      // ASCII conversion makes new chunks; the pool's buffers then go unreturned, which only costs allocations.
      const bytes = await connection.send(options.ascii ? encodeAscii(source) : source, transfer.signal, bufferPool);
      context.reply(ReplyCode.ClosingData, 'Transfer complete.');
      if (options.emitDownload) {
        context.emit('download', { path: options.path, bytes, durationMs: Date.now() - startedAt, command: options.command });
      }
    } finally {
      connection.destroy();
    }
  });
}

/**
 * How long in total an upload may still wait on its client once the control connection has closed (at most the data
 * timeout). A client that sent the whole file and closed the data connection, then the control connection at once,
 * has its last bytes and its EOF already on the way: they arrive without pause and the file is committed, as vsftpd
 * does. A client still sending, or gone without ending the data connection, is aborted after this and leaves no file.
 */
const uploadEndGraceMs = 2_000;

export interface ReceiveOptions {
  readonly command: string;
  readonly path: string;
  /** Stores the data; resolves only once it is committed (the storage contract's guarantee). */
  store(data: AsyncIterable<Uint8Array>, signal: AbortSignal): Promise<WriteResult>;
  readonly openingText: string;
  /** Text of the 226 reply. */
  readonly completionText: string;
}

/** STOR, STOU, APPE: the client sends until it closes its side of the data connection. */
export async function receiveFromClient(context: CommandContext, options: ReceiveOptions): Promise<void> {
  requirePreparedDataChannel(context);
  await context.runTransfer(options.command, options.path, async (transfer) => {
    const { connection, handshake } = await context.dataChannels.open(transfer.signal, dataProtection(context));
    transfer.trackBytes(() => connection.bytesTransferred);
    const startedAt = Date.now();
    context.reply(ReplyCode.FileStatusOkay, options.openingText);
    // The client sends nothing before this 150 arrives, and the storage's first steps (a local file system's open, on
    // the event loop) come before anything is awaited: without the flush they would hold the reply back.
    context.flushReplies();
    try {
      await handshake;
      const received = connection.receive(transfer.signal);
      // RFC 959 §3.4: the data connection's EOF ends the file, whatever happens to the control connection meanwhile.
      transfer.onControlClose(() => received.finishWithin(Math.min(uploadEndGraceMs, context.settings.dataTimeoutMs)));
      const data = context.state.transferType === 'A' ? decodeAscii(received) : received;
      const result = await options.store(data, transfer.signal).catch((error: unknown) => {
        throw stoppedBy(transfer.signal, error);
      });
      context.reply(ReplyCode.ClosingData, options.completionText);
      context.emit('upload', {
        path: options.path,
        bytes: result.bytesWritten,
        durationMs: Date.now() - startedAt,
        command: options.command,
      });
    } finally {
      connection.destroy();
    }
  });
}

async function* encodeAscii(source: AsyncIterable<Uint8Array>): AsyncGenerator<Uint8Array> {
  const encode = createAsciiEncoder();
  for await (const chunk of source) yield encode(chunk);
}

async function* decodeAscii(source: AsyncIterable<Uint8Array>): AsyncGenerator<Uint8Array> {
  const decoder = createAsciiDecoder();
  for await (const chunk of source) {
    const converted = decoder.transform(chunk);
    if (converted.byteLength > 0) yield converted;
  }
  const rest = decoder.flush();
  if (rest.byteLength > 0) yield rest;
}

/**
 * A storage call that failed because the transfer was aborted (ABOR, shutdown) rejects with whatever the storage makes
 * of the signal: its reason as is, an AbortError, or its own error. All of them mean 426 (RFC 959 §4.1.3), not a
 * local error: the abort is the cause, whatever the storage says.
 */
function stoppedBy(signal: AbortSignal, error: unknown): unknown {
  return signal.aborted ? abortError(signal, 'transfer aborted') : error;
}

async function closeIterable(source: AsyncIterable<Uint8Array>): Promise<void> {
  try {
    await source[Symbol.asyncIterator]().return?.();
  } catch {
    // The source is being dropped; a failure to close it changes nothing for the client.
  }
}
