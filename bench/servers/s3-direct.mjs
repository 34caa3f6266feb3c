// The direct baseline of the S3 metric, in a process of its own so the bench's load does not skew it: the AWS SDK
// alone, @aws-sdk/lib-storage `Upload` and a `GetObject` streamed to a sink, against the same S3 server the connector
// uses. node s3-direct.mjs, with FTP_BENCH_S3_CLIENT = JSON { endpoint, region, credentials, forcePathStyle, bucket }
// (in the environment, not on the command line, which any user can read). Then one JSON request per stdin line, one
// JSON reply per stdout line ({ id, result } or { id, error }); the first line is `{"ready":true}`. Exits when stdin
// closes or on SIGTERM.
import { createInterface } from 'node:readline';
import { Readable } from 'node:stream';
import {
  CreateBucketCommand,
  DeleteObjectCommand,
  GetObjectCommand,
  HeadBucketCommand,
  HeadObjectCommand,
  S3Client,
} from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';

const config = JSON.parse(process.env.FTP_BENCH_S3_CLIENT);
// The client the connector builds for the same options (packages/storage-s3/src/s3-storage.ts): SDK defaults
// otherwise, checksums included.
const client = new S3Client({
  endpoint: config.endpoint,
  region: config.region,
  credentials: { ...config.credentials },
  forcePathStyle: config.forcePathStyle,
  maxAttempts: 3,
});
const bucket = config.bucket;
/** The upload body is this buffer over and over, as the FTP client sends it. */
const chunk = Buffer.alloc(1024 * 1024, 0x5a);

function* repeated(total) {
  for (let sent = 0; sent < total; sent += chunk.byteLength)
    yield total - sent >= chunk.byteLength ? chunk : chunk.subarray(0, total - sent);
}

const cpuSeconds = () => {
  const usage = process.cpuUsage();
  return (usage.user + usage.system) / 1e6;
};

async function timed(work) {
  const cpuBefore = cpuSeconds();
  const startedAt = process.hrtime.bigint();
  const value = await work();
  return { ...value, seconds: Number(process.hrtime.bigint() - startedAt) / 1e9, cpuSeconds: cpuSeconds() - cpuBefore };
}

const operations = {
  /** Makes sure the bucket exists (fauxqs starts empty). */
  async prepare() {
    try {
      await client.send(new HeadBucketCommand({ Bucket: bucket }));
    } catch {
      await client.send(new CreateBucketCommand({ Bucket: bucket }));
    }
    return {};
  },
  /** Upload of `bytes` from a stream (unknown length, like an FTP upload), with the connector's part and queue size. */
  upload({ key, bytes, partSize, queueSize }) {
    return timed(async () => {
      const upload = new Upload({
        client,
        params: { Bucket: bucket, Key: key, Body: Readable.from(repeated(bytes), { objectMode: false }) },
        partSize,
        queueSize,
      });
      await upload.done();
      return { bytes };
    });
  },
  /** GetObject, the body read to the end and counted, never kept. */
  get({ key }) {
    return timed(async () => {
      const output = await client.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
      let bytes = 0;
      for await (const piece of output.Body) bytes += piece.byteLength;
      return { bytes };
    });
  },
  async size({ key }) {
    const head = await client.send(new HeadObjectCommand({ Bucket: bucket, Key: key }));
    return { bytes: head.ContentLength };
  },
  async delete({ key }) {
    await client.send(new DeleteObjectCommand({ Bucket: bucket, Key: key }));
    return {};
  },
};

const reply = (message) => process.stdout.write(`${JSON.stringify(message)}\n`);
const lines = createInterface({ input: process.stdin });
lines.on('line', async (line) => {
  const request = JSON.parse(line);
  try {
    reply({ id: request.id, result: await operations[request.op](request) });
  } catch (error) {
    reply({ id: request.id, error: `${error.name ?? 'Error'}: ${error.message}` });
  }
});
lines.once('close', () => {
  client.destroy();
  process.exit(0);
});
process.once('SIGTERM', () => process.exit(0));
reply({ ready: true });
