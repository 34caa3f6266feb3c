import { EventEmitter } from 'node:events';
import { PassThrough } from 'node:stream';
import type { FtpServer } from '@ftp/server';
import { describe, expect, it } from 'vitest';
import { createLogger, logServerEvents, serverEventNames } from './logging.ts';

function capture() {
  const stream = new PassThrough();
  const lines: Record<string, unknown>[] = [];
  stream.setEncoding('utf8').on('data', (chunk: string) => {
    for (const line of chunk.split('\n').filter(Boolean)) lines.push(JSON.parse(line) as Record<string, unknown>);
  });
  return { stream, lines };
}

describe('createLogger', () => {
  it('writes JSON lines and redacts password fields wherever they appear', () => {
    const { stream, lines } = capture();
    const logger = createLogger('info', stream);
    logger.info({ password: 'p1', pass: 'p2', request: { password: 'p3', passwordHash: 'h' }, username: 'alice' }, 'hello');
    logger.debug({}, 'below the level');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatchObject({
      msg: 'hello',
      username: 'alice',
      password: '[redacted]',
      pass: '[redacted]',
      request: { password: '[redacted]', passwordHash: '[redacted]' },
    });
  });
});

describe('logServerEvents', () => {
  it('logs each server event as one line named after the event', () => {
    const { stream, lines } = capture();
    const emitter = new EventEmitter();
    logServerEvents(emitter as unknown as Pick<FtpServer, 'on'>, createLogger('info', stream));
    const base = { sessionId: 's1', remoteAddress: '127.0.0.1', username: 'alice' };
    for (const event of serverEventNames) emitter.emit(event, { ...base, attemptedUsername: 'alice' });
    expect(lines.map((line) => line.msg)).toEqual([...serverEventNames]);
    expect(lines.every((line) => line.event === line.msg && line.sessionId === 's1')).toBe(true);
    expect(lines.find((line) => line.msg === 'login-failed')?.level).toBe(40);
  });
});
