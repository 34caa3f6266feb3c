import { PutObjectCommand, UploadPartCommand } from '@aws-sdk/client-s3';
import { describe, expect, it } from 'vitest';
import { applyPayloadSigning, skipsPayloadHash, unsignedPayload, type PayloadSigning } from './payload-signing.ts';

/** Runs the build-step middleware `applyPayloadSigning` added to `command` on a request; returns its headers. */
async function headersAfterBuild(command: PutObjectCommand | UploadPartCommand, signing: PayloadSigning, protocol: string) {
  applyPayloadSigning(command, signing);
  const request = { protocol, hostname: 's3.example', path: '/bucket/key', method: 'PUT', headers: {} as Record<string, string> };
  const handler = (command as UploadPartCommand).middlewareStack.resolve(
    async (args) => ({ output: args as never, response: {} }),
    {} as never,
  );
  await handler({ input: command.input, request } as never);
  return request.headers;
}

describe('payload signing', () => {
  it('skips the body hash over https in auto mode, keeps it over http, and obeys always/never', () => {
    expect(skipsPayloadHash('auto', { protocol: 'https:' })).toBe(true);
    expect(skipsPayloadHash('auto', { protocol: 'http:' })).toBe(false);
    expect(skipsPayloadHash('auto', {})).toBe(false);
    expect(skipsPayloadHash('always', { protocol: 'https:' })).toBe(false);
    expect(skipsPayloadHash('never', { protocol: 'http:' })).toBe(true);
  });

  it('marks an UploadPart over https as unsigned payload for the signer, and leaves http alone', async () => {
    const part = () => new UploadPartCommand({ Bucket: 'bucket', Key: 'key', UploadId: 'u', PartNumber: 1, Body: Buffer.from('x') });
    expect((await headersAfterBuild(part(), 'auto', 'https:'))['x-amz-content-sha256']).toBe(unsignedPayload);
    expect((await headersAfterBuild(part(), 'auto', 'http:'))['x-amz-content-sha256']).toBeUndefined();
    expect((await headersAfterBuild(part(), 'always', 'https:'))['x-amz-content-sha256']).toBeUndefined();
  });

  it('marks a PutObject with signPayload false even over http', async () => {
    const put = new PutObjectCommand({ Bucket: 'bucket', Key: 'key', Body: Buffer.from('x') });
    expect((await headersAfterBuild(put, 'never', 'http:'))['x-amz-content-sha256']).toBe(unsignedPayload);
  });
});
