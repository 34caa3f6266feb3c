import { once } from 'node:events';
import {
  createServer,
  request as httpRequest,
  type IncomingHttpHeaders,
  type IncomingMessage,
  type Server,
  type ServerResponse,
} from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

/** One request that went through the proxy. */
export interface ProxiedRequest {
  readonly method: string;
  /** Path and query, as sent (e.g. "/bucket/key?uploadId=...&partNumber=2"). */
  readonly url: string;
  /** True when the request asked S3 to copy from another object (CopyObject, UploadPartCopy). */
  readonly copies: boolean;
  /** Its `x-amz-content-sha256` header: the body's SHA-256 in hex, or a marker such as "UNSIGNED-PAYLOAD". */
  readonly payloadHash: string | undefined;
  /** Every header as sent, for what a test server ignores (a CopyObject's new Content-Type). */
  readonly headers: IncomingHttpHeaders;
  /** The status the connector saw: the upstream's, or 500 for an injected failure. */
  status: number | undefined;
}

/**
 * What to do with a request: pass it on, answer 500 InternalError, cut the connection, or pass on the response's
 * headers and its first `cutBodyAfter` bytes of body, then cut the connection (a body cut mid-stream).
 */
export type FaultDecision = 'forward' | 'fail' | 'reset' | { readonly cutBodyAfter: number };

/** An HTTP proxy between the connector and the S3 server that records every request and injects faults. */
export interface FaultProxy {
  readonly endpoint: string;
  readonly requests: ProxiedRequest[];
  /** Decides per request; the default forwards everything. Replace it at any time. */
  decide: (request: ProxiedRequest) => FaultDecision;
  close(): Promise<void>;
}

/** True for an UploadPart request (PUT with uploadId and partNumber). */
export function isUploadPart(request: Pick<ProxiedRequest, 'method' | 'url'>): boolean {
  return request.method === 'PUT' && request.url.includes('uploadId=') && request.url.includes('partNumber=');
}

/** True for a CreateMultipartUpload request (POST ...?uploads). */
export function isCreateMultipartUpload(request: Pick<ProxiedRequest, 'method' | 'url'>): boolean {
  return request.method === 'POST' && /[?&]uploads(=|&|$)/.test(request.url);
}

/** True for an AbortMultipartUpload request (DELETE ...?uploadId=). */
export function isAbortMultipartUpload(request: Pick<ProxiedRequest, 'method' | 'url'>): boolean {
  return request.method === 'DELETE' && request.url.includes('uploadId=');
}

/** Starts the proxy on 127.0.0.1, port 0, in front of `upstream` (an http:// endpoint). */
export async function startFaultProxy(upstream: string): Promise<FaultProxy> {
  const target = new URL(upstream);
  const sockets = new Set<Socket>();
  const proxy: FaultProxy = {
    endpoint: '',
    requests: [],
    decide: () => 'forward',
    close: async () => {},
  };

  function forward(incoming: IncomingMessage, outgoing: ServerResponse, record: ProxiedRequest, cutBodyAfter?: number): void {
    const upstreamRequest = httpRequest(
      { host: target.hostname, port: target.port, method: incoming.method, path: incoming.url, headers: incoming.headers },
      (upstreamResponse) => {
        record.status = upstreamResponse.statusCode;
        outgoing.writeHead(upstreamResponse.statusCode ?? 502, upstreamResponse.headers);
        if (cutBodyAfter === undefined) {
          upstreamResponse.pipe(outgoing);
          return;
        }
        let left = cutBodyAfter;
        upstreamResponse.on('data', (chunk: Buffer) => {
          if (left <= 0) return;
          const part = chunk.subarray(0, left);
          left -= part.byteLength;
          if (left > 0) {
            outgoing.write(part);
            return;
          }
          // The last bytes reach the socket, then the connection is cut without ending the body.
          outgoing.write(part, () => incoming.socket.destroy());
          upstreamResponse.destroy();
        });
      },
    );
    upstreamRequest.on('error', () => outgoing.destroy());
    incoming.pipe(upstreamRequest);
  }

  const server: Server = createServer((incoming, outgoing) => {
    const record: ProxiedRequest = {
      method: incoming.method ?? '',
      url: incoming.url ?? '',
      copies: incoming.headers['x-amz-copy-source'] !== undefined,
      payloadHash: [incoming.headers['x-amz-content-sha256']].flat()[0],
      headers: incoming.headers,
      status: undefined,
    };
    proxy.requests.push(record);
    const decision = proxy.decide(record);
    if (decision === 'reset') {
      incoming.socket.destroy();
      return;
    }
    if (decision === 'fail') {
      record.status = 500;
      incoming.resume();
      outgoing.writeHead(500, { 'content-type': 'application/xml', connection: 'close' });
      outgoing.end('<?xml version="1.0" encoding="UTF-8"?><Error><Code>InternalError</Code><Message>injected</Message></Error>');
      return;
    }
    forward(incoming, outgoing, record, typeof decision === 'object' ? decision.cutBodyAfter : undefined);
  });
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  return Object.assign(proxy, {
    endpoint: `http://127.0.0.1:${port}`,
    close: async () => {
      for (const socket of sockets) socket.destroy();
      server.close();
      await once(server, 'close');
    },
  });
}
