// The processes of the S3 metric, each a child of the bench stopped by its PID: the test S3 server (fauxqs@1.9.2 in
// memory, unless S3_ENDPOINT names another: MinIO, AWS), our server over @ftp/storage-s3 (servers/ours-s3.mjs), and
// the direct SDK baseline (servers/s3-direct.mjs). Settings come from S3_ENDPOINT, S3_BUCKET, S3_ACCESS_KEY_ID,
// S3_SECRET_ACCESS_KEY, S3_REGION and S3_FORCE_PATH_STYLE (false for virtual-hosted addressing); S3_SIGN_PAYLOAD
// (true or false) sets the connector's `signPayload`, which by default signs upload bytes over http only.
import { createInterface } from 'node:readline';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gcPreload, gcSignal, launch, portFromStdout, profileArguments, started, stopper } from './servers.mjs';

const benchDirectory = dirname(dirname(fileURLToPath(import.meta.url)));
const script = (name) => join(benchDirectory, 'servers', name);
/** stdin is a pipe the children watch: should the bench die without stopping them, they exit when it closes. */
const piped = { stdio: ['pipe', 'pipe', 'pipe'] };

/** Where the S3 metric stores its objects. */
export function s3Settings(environment = process.env) {
  const endpoint = environment.S3_ENDPOINT || undefined;
  return {
    endpoint,
    external: endpoint !== undefined,
    bucket: environment.S3_BUCKET || 'ftp-bench',
    region: environment.S3_REGION || 'us-east-1',
    credentials: {
      accessKeyId: environment.S3_ACCESS_KEY_ID || 'bench-access-key',
      secretAccessKey: environment.S3_SECRET_ACCESS_KEY || 'bench-secret-key',
    },
    forcePathStyle: environment.S3_FORCE_PATH_STYLE !== 'false',
    signPayload:
      environment.S3_SIGN_PAYLOAD === undefined || environment.S3_SIGN_PAYLOAD === '' ? undefined : environment.S3_SIGN_PAYLOAD !== 'false',
  };
}

/** Requests to the direct SDK process, one JSON line each way. */
function directClient(child) {
  const pending = new Map();
  let nextId = 0;
  let readyResolve;
  let readyReject;
  const ready = new Promise((resolve, reject) => {
    readyResolve = resolve;
    readyReject = reject;
  });
  createInterface({ input: child.stdout }).on('line', (line) => {
    const message = JSON.parse(line);
    if (message.ready === true) return readyResolve();
    const request = pending.get(message.id);
    pending.delete(message.id);
    if (message.error !== undefined) request?.reject(new Error(`direct SDK: ${message.error}`));
    else request?.resolve(message.result);
  });
  child.once('exit', (code, signal) => {
    const error = new Error(`direct SDK process exited (${code ?? signal}): ${child.errorText().trim()}`);
    readyReject(error);
    for (const request of pending.values()) request.reject(error);
    pending.clear();
  });
  return {
    pid: child.pid,
    ready,
    call(op, parameters = {}) {
      if (child.exitCode !== null || child.signalCode !== null) return Promise.reject(new Error('direct SDK process is not running'));
      const id = nextId++;
      return new Promise((resolve, reject) => {
        pending.set(id, { resolve, reject });
        child.stdin.write(`${JSON.stringify({ id, op, ...parameters })}\n`);
      });
    },
  };
}

/**
 * Starts what the S3 metric needs and returns it as a server the metric drives (name "ours-s3", the FTP server's PID
 * and port) with `direct` (the SDK process), the key of a file, and `stop()`. Every process is handed to `track` as
 * soon as it runs, so an interruption at any point stops it.
 */
export async function startS3Bench({ plan, context, track }) {
  const settings = s3Settings();
  const stops = [];
  const keep = (stop) => {
    stops.unshift(stop);
    track(stop);
  };
  const stopAll = async () => {
    for (const stop of stops) await stop();
  };
  try {
    let endpoint = settings.endpoint;
    if (endpoint === undefined) {
      const fauxqs = launch(process.execPath, [script('fauxqs.mjs')], piped);
      keep(stopper(fauxqs));
      const port = await portFromStdout(fauxqs).catch((error) => {
        throw new Error(`fauxqs: ${error.message}: ${fauxqs.errorText().trim()}`);
      });
      endpoint = `http://127.0.0.1:${port}`;
    }
    const clientOptions = {
      endpoint,
      region: settings.region,
      credentials: settings.credentials,
      forcePathStyle: settings.forcePathStyle,
      bucket: settings.bucket,
    };
    const directProcess = launch(process.execPath, [...gcPreload, script('s3-direct.mjs')], {
      ...piped,
      env: { ...process.env, FTP_BENCH_S3_CLIENT: JSON.stringify(clientOptions) },
    });
    keep(stopper(directProcess));
    const direct = directClient(directProcess);
    await direct.ready;
    await direct.call('prepare');
    // Keys of this run only, below one prefix: the FTP user's "/" is `${runPrefix}ftp/`.
    const runPrefix = `ftp-bench-${process.pid}-${Date.now()}/`;
    const connectorOptions = {
      ...clientOptions,
      prefix: `${runPrefix}ftp/`,
      partSize: plan.s3PartBytes,
      queueSize: plan.s3QueueSize,
      ...(settings.signPayload === undefined ? {} : { signPayload: settings.signPayload }),
    };
    const gcReport = join(context.workDirectory, 'gc-report-ours-s3.json');
    const child = launch(process.execPath, [...profileArguments(context.profileDirectory), ...gcPreload, script('ours-s3.mjs')], {
      ...piped,
      env: { ...process.env, FTP_BENCH_GC_REPORT: gcReport, FTP_BENCH_S3_OPTIONS: JSON.stringify(connectorOptions) },
    });
    keep(stopper(child));
    const server = await started('ours-s3', child, portFromStdout(child), { directory: '/', gcSignal, gcReport });
    return {
      ...server,
      direct: { ...direct, gcSignal },
      s3: {
        endpoint: settings.external ? endpoint : 'fauxqs@1.9.2',
        bucket: settings.bucket,
        external: settings.external,
        signPayload: settings.signPayload,
      },
      ftpKey: (name) => `${runPrefix}ftp/${name}`,
      sdkKey: (name) => `${runPrefix}sdk/${name}`,
      stop: stopAll,
    };
  } catch (error) {
    await stopAll();
    throw error;
  }
}
