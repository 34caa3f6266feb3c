import { spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { once } from 'node:events';
import { Agent, request as httpRequest } from 'node:http';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import {
  CreateBucketCommand,
  DeleteObjectsCommand,
  HeadBucketCommand,
  ListMultipartUploadsCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  S3Client,
} from '@aws-sdk/client-s3';

/**
 * The S3-compatible server the tests talk to. By default a fauxqs process started on 127.0.0.1, port 0 (a child
 * process, so the objects it keeps in memory never count against the memory measured in the tests). Set
 * `S3_ENDPOINT` (and `S3_BUCKET`, `S3_ACCESS_KEY_ID`, `S3_SECRET_ACCESS_KEY`, `S3_REGION`) to run the same tests
 * against MinIO or AWS instead; `S3_FORCE_PATH_STYLE=false` for virtual-hosted addressing.
 */
export interface TestS3 {
  readonly endpoint: string;
  readonly bucket: string;
  readonly region: string;
  readonly credentials: { readonly accessKeyId: string; readonly secretAccessKey: string };
  readonly forcePathStyle: boolean;
  /** True when the endpoint came from S3_ENDPOINT rather than the fauxqs child. */
  readonly external: boolean;
  /** A client for checking what the connector left in the bucket. */
  readonly client: S3Client;
  /**
   * Connector options for this server (what `createS3Storage` takes), with a fresh key prefix of its own unless
   * `overrides` names one.
   */
  options<Overrides extends object = Record<never, never>>(overrides?: Overrides): TestS3Options & Overrides;
  stop(): Promise<void>;
}

/** The connector options `TestS3.options` gives: this server, its bucket and a fresh prefix. */
export interface TestS3Options {
  readonly bucket: string;
  readonly endpoint: string;
  readonly region: string;
  readonly credentials: { readonly accessKeyId: string; readonly secretAccessKey: string };
  readonly forcePathStyle: boolean;
  readonly prefix: string;
  readonly partSize: number;
}

const fauxqsScript = fileURLToPath(new URL('./fauxqs-process.mjs', import.meta.url));

async function startFauxqs(): Promise<{ child: ChildProcess; port: number }> {
  const child = spawn(process.execPath, [fauxqsScript], { stdio: ['pipe', 'pipe', 'inherit'] });
  const lines = createInterface({ input: child.stdout! });
  const port = await new Promise<number>((resolve, reject) => {
    lines.once('line', (line) => resolve((JSON.parse(line) as { port: number }).port));
    child.once('exit', (code) => reject(new Error(`fauxqs exited with ${code} before listening`)));
  });
  return { child, port };
}

/** Starts (or connects to) the test S3 server and makes sure the bucket exists. */
export async function startTestS3(): Promise<TestS3> {
  const externalEndpoint = process.env.S3_ENDPOINT;
  const started = externalEndpoint === undefined ? await startFauxqs() : undefined;
  const endpoint = externalEndpoint ?? `http://127.0.0.1:${started?.port}`;
  const bucket = process.env.S3_BUCKET ?? 'ftp-test-bucket';
  const region = process.env.S3_REGION ?? 'us-east-1';
  const credentials = {
    accessKeyId: process.env.S3_ACCESS_KEY_ID ?? 'test-access-key',
    secretAccessKey: process.env.S3_SECRET_ACCESS_KEY ?? 'test-secret-key',
  };
  const forcePathStyle = process.env.S3_FORCE_PATH_STYLE !== 'false';
  // A copy: the SDK marks the credentials object it is given (a `$source` field).
  const client = new S3Client({ endpoint, region, credentials: { ...credentials }, forcePathStyle });
  try {
    await client.send(new HeadBucketCommand({ Bucket: bucket }));
  } catch {
    await client.send(new CreateBucketCommand({ Bucket: bucket }));
  }
  return {
    endpoint,
    bucket,
    region,
    credentials,
    forcePathStyle,
    external: externalEndpoint !== undefined,
    client,
    options: <Overrides extends object>(overrides?: Overrides) => ({
      bucket,
      endpoint,
      region,
      credentials,
      forcePathStyle,
      prefix: `test-${randomUUID()}/`,
      partSize: 5 * 1024 * 1024,
      ...(overrides as Overrides),
    }),
    async stop() {
      client.destroy();
      if (started === undefined) return;
      const exited = once(started.child, 'exit');
      started.child.stdin?.end();
      await exited;
    },
  };
}

/** Every key below `prefix`, in S3 order. */
export async function listKeys(s3: TestS3, prefix: string): Promise<string[]> {
  const keys: string[] = [];
  let token: string | undefined;
  do {
    const page = await s3.client.send(
      new ListObjectsV2Command({ Bucket: s3.bucket, Prefix: prefix, ...(token === undefined ? {} : { ContinuationToken: token }) }),
    );
    for (const object of page.Contents ?? []) if (object.Key !== undefined) keys.push(object.Key);
    token = page.IsTruncated === true ? page.NextContinuationToken : undefined;
  } while (token !== undefined);
  return keys;
}

/** The multipart uploads still open below `prefix` (always empty on fauxqs, which does not list them). */
export async function openUploads(s3: TestS3, prefix: string): Promise<string[]> {
  const result = await s3.client.send(new ListMultipartUploadsCommand({ Bucket: s3.bucket, Prefix: prefix }));
  return (result.Uploads ?? []).flatMap((upload) => (upload.Key === undefined ? [] : [upload.Key]));
}

/** Removes every key below `prefix` (fauxqs keeps objects in memory: large ones must go after each test). */
export async function deletePrefix(s3: TestS3, prefix: string): Promise<void> {
  const keys = await listKeys(s3, prefix);
  for (let start = 0; start < keys.length; start += 1000) {
    const batch = keys.slice(start, start + 1000).map((Key) => ({ Key }));
    await s3.client.send(new DeleteObjectsCommand({ Bucket: s3.bucket, Delete: { Objects: batch, Quiet: true } }));
  }
}

/** The key prefix the options give every user (tests use fixed prefixes without `{user}`). */
export function prefixOf(options: { readonly prefix?: unknown }): string {
  if (typeof options.prefix !== 'string') throw new Error('tests use string prefixes');
  return options.prefix;
}

/** One unsigned PUT straight to fauxqs (which accepts any credentials), ten times cheaper than a signed SDK call. */
function rawPut(s3: TestS3, agent: Agent, key: string, body: string): Promise<void> {
  const url = new URL(s3.endpoint);
  const path = `/${s3.bucket}/${key.split('/').map(encodeURIComponent).join('/')}`;
  return new Promise((resolve, reject) => {
    const put = httpRequest(
      { agent, host: url.hostname, port: url.port, method: 'PUT', path, headers: { 'content-length': Buffer.byteLength(body) } },
      (response) => {
        response.resume();
        response.on('end', () => (response.statusCode === 200 ? resolve() : reject(new Error(`PUT ${key}: HTTP ${response.statusCode}`))));
      },
    );
    put.on('error', reject);
    put.end(body);
  });
}

/**
 * Creates many small objects quickly, 50 at a time, to set up listings. Against fauxqs it sends plain unsigned PUTs;
 * against an external endpoint it uses the SDK.
 */
export async function seedObjects(s3: TestS3, keys: readonly string[], body = 'x'): Promise<void> {
  const agent = new Agent({ keepAlive: true, maxSockets: 50 });
  try {
    for (let start = 0; start < keys.length; start += 50) {
      await Promise.all(
        keys
          .slice(start, start + 50)
          .map((key) =>
            s3.external
              ? s3.client.send(new PutObjectCommand({ Bucket: s3.bucket, Key: key, Body: body })).then(() => {})
              : rawPut(s3, agent, key, body),
          ),
      );
    }
  } finally {
    agent.destroy();
  }
}
