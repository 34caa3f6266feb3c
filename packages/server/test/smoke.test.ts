import { describe, expect, it } from 'vitest';
import { loggedInRawSession } from '@ftp/test-utils';
import { connectClient, downloadBuffer, startServer, uploadBuffer } from './support/index.ts';

describe('test support', () => {
  it('round-trips a file over basic-ftp and answers NOOP over a raw session', async () => {
    const { port } = await startServer();
    const client = await connectClient(port);
    await uploadBuffer(client, 'x.txt', Buffer.from('hello world'));
    expect((await downloadBuffer(client, 'x.txt')).toString()).toBe('hello world');
    const raw = await loggedInRawSession(port);
    expect((await raw.command('NOOP')).code).toBe(200);
    const features = await raw.command('FEAT');
    expect(features.code).toBe(211);
    expect(features.lines.length).toBeGreaterThan(2);
  });
});
