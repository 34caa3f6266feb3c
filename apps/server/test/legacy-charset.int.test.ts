import { once } from 'node:events';
import { mkdir, readdir } from 'node:fs/promises';
import { connect } from 'node:net';
import { join } from 'node:path';
import { tempDirectory } from '@ftp/test-utils';
import { describe, expect, it, onTestFinished } from 'vitest';
import { startApp } from './support/in-process-app.ts';

// The `encoding` config key reaches the engine: a client speaking GBK makes a directory whose name is UTF-8 on disk.

/** "中文" in GBK, written out so this test needs no codec of its own. */
const chineseInGbk = Buffer.from([0xd6, 0xd0, 0xce, 0xc4]);
const chinese = '\u4e2d\u6587';

/** Sends each line and collects the bytes the server answers until `replies` replies (one line each) arrived. */
async function exchange(port: number, lines: readonly Buffer[], replies: number): Promise<Buffer[]> {
  const socket = connect({ host: '127.0.0.1', port });
  onTestFinished(() => void socket.destroy());
  await once(socket, 'connect');
  let received = Buffer.alloc(0);
  const answered: Buffer[] = [];
  socket.on('data', (chunk: Buffer) => {
    received = Buffer.concat([received, chunk]);
    for (let end = received.indexOf('\r\n'); end !== -1; end = received.indexOf('\r\n')) {
      answered.push(received.subarray(0, end));
      received = received.subarray(end + 2);
    }
    socket.emit('replies');
  });
  for (const line of lines) socket.write(Buffer.concat([line, Buffer.from('\r\n')]));
  while (answered.length < replies && !socket.destroyed) await once(socket, 'replies');
  return answered;
}

describe('the encoding config key', () => {
  it('makes the app speak GBK to a client that never sent OPTS UTF8 ON; the disk holds UTF-8', async () => {
    const directory = await tempDirectory('ftp-app-charset-');
    const root = join(directory, 'files');
    await mkdir(root);
    const app = await startApp({ encoding: 'gbk', storageConfig: { root } }, directory);
    const replies = await exchange(
      app.started.port,
      [Buffer.from('USER alice'), Buffer.from('PASS s3cret'), Buffer.concat([Buffer.from('MKD '), chineseInGbk])],
      4,
    );
    expect(replies[3]).toEqual(Buffer.concat([Buffer.from('257 "/'), chineseInGbk, Buffer.from('" directory created.')]));
    expect(await readdir(root, { encoding: 'buffer' })).toEqual([Buffer.from(chinese, 'utf8')]);
  });

  it('refuses a charset iconv-lite does not know before anything listens', async () => {
    const directory = await tempDirectory('ftp-app-charset-');
    await expect(startApp({ encoding: 'klingon', storageConfig: { root: directory } }, directory)).rejects.toThrow(
      'encoding: "klingon" is not a charset iconv-lite knows',
    );
  });
});
