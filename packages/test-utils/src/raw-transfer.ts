import type { Socket } from 'node:net';
import { epsvPort, openDataConnection, passiveData, readToEnd, type RawReply, type RawSession } from './raw-session.ts';

/** What one transfer command over a raw session produced. */
export interface RawTransferResult {
  /** The first reply to the command: 150 when the transfer started, an error otherwise. */
  readonly first: RawReply;
  /** The closing reply (226, 426, …) when the transfer started; undefined otherwise. */
  readonly final: RawReply | undefined;
  /** What the server sent on the data connection. */
  readonly received: Buffer;
}

/**
 * Runs PASV, connects the data socket, sends `commandLine`; when the server answers 150, uploads `upload` (if given,
 * then closes the data socket) or reads everything the server sends, and reads the closing reply. Send `TYPE I` first
 * for binary data: a new session is in ASCII mode (RFC 959 §3.1.1.1).
 */
export async function rawTransfer(session: RawSession, commandLine: string, upload?: Uint8Array): Promise<RawTransferResult> {
  const data = await passiveData(session);
  const received = readToEnd(data);
  const first = await session.command(commandLine);
  if (first.code !== 150 && first.code !== 125) {
    data.destroy();
    return { first, final: undefined, received: await received };
  }
  if (upload !== undefined) data.end(upload);
  const bytes = await received;
  const final = await session.read();
  return { first, final, received: bytes };
}

/**
 * TYPE I, EPSV, connects the data socket and sends `commandLine`, which must answer 150: the data connection is then
 * the transfer's, for a test that ends it its own way (a half-sent upload, a closed control connection).
 */
export async function startRawTransfer(session: RawSession, commandLine: string): Promise<Socket> {
  const type = await session.command('TYPE I');
  if (type.code !== 200) throw new Error(`TYPE I answered ${type.text}`);
  const data = await openDataConnection(epsvPort(await session.command('EPSV')));
  const first = await session.command(commandLine);
  if (first.code !== 150) throw new Error(`${commandLine} answered ${first.text}, not 150`);
  return data;
}
