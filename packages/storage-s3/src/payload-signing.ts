import type { PutObjectCommand, UploadPartCommand } from '@aws-sdk/client-s3';

/**
 * Whether upload bodies are covered by the SigV4 signature: `'auto'` signs them over plain http only, `'always'` and
 * `'never'` do what they say (the `signPayload` option: undefined, true, false).
 */
export type PayloadSigning = 'auto' | 'always' | 'never';

/** The `x-amz-content-sha256` value that tells S3 the body is not part of the signature (SigV4, "unsigned payload"). */
export const unsignedPayload = 'UNSIGNED-PAYLOAD';

/**
 * True when a request's body should stay out of its signature. Over HTTPS the bytes are already protected in transit
 * by TLS and against corruption by the `x-amz-checksum-crc32` header every PutObject and UploadPart carries (a signed
 * header, so it cannot be swapped either); hashing them again with SHA-256 for the signature would be a large share
 * of the server's CPU per uploaded GiB. Over plain http the SHA-256 is what keeps a party on the
 * path from replacing the body along with its CRC32, so `'auto'` keeps it there.
 */
export function skipsPayloadHash(signing: PayloadSigning, request: { readonly protocol?: unknown }): boolean {
  if (signing === 'never') return true;
  if (signing === 'always') return false;
  return request.protocol === 'https:';
}

/**
 * Adds the unsigned-payload marker to one PutObject or UploadPart when `skipsPayloadHash` says so. The SDK's signer
 * takes a `x-amz-content-sha256` header that is already there instead of hashing the body (signature-v4
 * `getPayloadHash`). Runs in the build step, after serialization has fixed the endpoint's protocol and before the
 * signer in the finalize step.
 */
export function applyPayloadSigning(command: PutObjectCommand | UploadPartCommand, signing: PayloadSigning): void {
  if (signing === 'always') return;
  // Both commands have the same middleware stack shape; one of them names the type, a union of two has no callable `add`.
  (command as UploadPartCommand).middlewareStack.add(
    (next) => (args) => {
      // By the build step the request is the serialized HttpRequest: protocol and headers are there.
      const request = args.request as { readonly protocol?: unknown; readonly headers: Record<string, string> };
      if (skipsPayloadHash(signing, request)) request.headers['x-amz-content-sha256'] = unsignedPayload;
      return next(args);
    },
    { step: 'build', name: 'ftpPayloadSigning', override: true },
  );
}
