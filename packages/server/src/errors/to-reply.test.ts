import { AuthenticationUnavailableError, FtpError, StorageError, type StorageErrorCode } from '@ftp/plugin-api';
import { describe, expect, it } from 'vitest';
import { DataConnectionError, PermissionError, ReplyError, TransferAbortedError } from './server-errors.ts';
import { toReply } from './to-reply.ts';

describe('toReply', () => {
  it.each<[StorageErrorCode, number, string]>([
    ['ENOENT', 550, 'No such file or directory.'],
    ['EEXIST', 550, 'File exists.'],
    ['ENOTDIR', 550, 'Not a directory.'],
    ['EISDIR', 550, 'Is a directory.'],
    ['ENOTEMPTY', 550, 'Directory not empty.'],
    ['EACCES', 550, 'Permission denied.'],
    ['ENOSPC', 452, 'Insufficient storage space.'],
    ['EDQUOT', 552, 'Exceeded storage allocation.'],
    ['EBADNAME', 553, 'File name not allowed.'],
    ['ENOTSUP', 504, 'Not supported by this storage.'],
    ['EUNAVAILABLE', 451, 'Storage temporarily unavailable; try again.'],
  ])('answers storage %s with %i and a fixed text', (storageCode, code, text) => {
    const reply = toReply(new StorageError(storageCode, 'secret internal /srv/path detail'), 'id');
    // An outage is for the operator to see (warn); any other storage refusal is the client's business (debug).
    const logLevel = storageCode === 'EUNAVAILABLE' ? 'warn' : 'debug';
    expect(reply).toEqual({ code, text, isUnexpected: false, logLevel, closeConnection: false });
  });

  it('uses a per-command override for EEXIST (STOU and RNTO answer 553)', () => {
    expect(toReply(new StorageError('EEXIST', 'x'), 'id', { EEXIST: 553 }).code).toBe(553);
  });

  it('answers an authentication outage with 421 and closes the connection', () => {
    const reply = toReply(new AuthenticationUnavailableError('backend at 10.0.0.1 timed out'), 'id');
    expect(reply).toMatchObject({ code: 421, closeConnection: true, logLevel: 'warn' });
    expect(reply.text).not.toContain('10.0.0.1');
  });

  it.each([
    [new DataConnectionError('no passive port free'), 425, "Can't open data connection."],
    [new TransferAbortedError('socket hang up at fd 12'), 426, 'Connection closed; transfer aborted.'],
    [new PermissionError('delete'), 550, 'Permission denied: delete not allowed.'],
    [new ReplyError(501, 'REST requires a byte offset.'), 501, 'REST requires a byte offset.'],
  ])('answers %s with its code, showing the message only when exposed', (error, code, text) => {
    expect(toReply(error, 'id')).toMatchObject({ code, text, isUnexpected: false, logLevel: 'debug' });
  });

  it('hides the message of an FtpError that is not exposed', () => {
    const reply = toReply(new FtpError('FTP_ERR_X', 'internal detail', { replyCode: 550 }), 'id');
    expect(reply.text).toBe('Requested action not taken; file unavailable.');
  });

  it('answers an unexpected error with 451 and the error id, never its message', () => {
    const reply = toReply(new Error('EMFILE: too many open files, open /srv/secret'), 'abc123');
    expect(reply).toMatchObject({ code: 451, isUnexpected: true, logLevel: 'error', closeConnection: false });
    expect(reply.text).toContain('abc123');
    expect(reply.text).not.toContain('secret');
  });

  it('recognises a StorageError from another copy of the package by its brand', () => {
    const foreign = Object.assign(Object.create(null), { storageCode: 'ENOENT', replyCode: undefined });
    Object.defineProperty(foreign, Symbol.for('@ftp/error'), { value: true });
    Object.defineProperty(foreign, Symbol.for('@ftp/storage-error'), { value: true });
    expect(toReply(foreign, 'id').code).toBe(550);
  });
});
