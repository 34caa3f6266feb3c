// Medians per server and ratios of ours against every peer, as JSON and as a Markdown summary. The S3 metric is
// compared with the AWS SDK instead of peers and has a small table of its own.

const median = (values) => {
  const sorted = values.filter((value) => typeof value === 'number').sort((a, b) => a - b);
  if (sorted.length === 0) return null;
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
};

/**
 * { metric: { field: { better, medians: { server: value }, ratios: { peer: ours/peer } } } }; a metric with `versus`
 * (S3) instead gives each FTP field `ratios: { sdk: FTP median / SDK median }`.
 */
/** The metrics that get untimed warm-up rounds before the measured ones (see warmUp in bench/run.mjs). */
export const warmedMetrics = ['small', 'churn', 'listing'];

export function summarize(samples, metrics) {
  const summary = {};
  for (const [metricName, byServer] of Object.entries(samples)) {
    const fields = { ...metrics[metricName].fields, clientCpuShare: 'info' };
    summary[metricName] = {};
    for (const [field, better] of Object.entries(fields)) {
      const medians = {};
      for (const [server, results] of Object.entries(byServer)) medians[server] = median(results.map((result) => result[field]));
      if (Object.values(medians).every((value) => value === null)) continue;
      const ours = medians.ours;
      const ratios = {};
      const versus = metrics[metricName].versus?.[field];
      if (versus !== undefined) {
        for (const [server, results] of Object.entries(byServer)) {
          const direct = median(results.map((result) => result[versus]));
          if (typeof medians[server] === 'number' && typeof direct === 'number' && direct > 0) ratios.sdk = medians[server] / direct;
        }
      } else if (better !== 'info' && typeof ours === 'number') {
        for (const [server, value] of Object.entries(medians)) {
          if (server !== 'ours' && typeof value === 'number' && value > 0) ratios[server] = ours / value;
        }
      }
      summary[metricName][field] = { better, medians, ratios };
    }
  }
  return summary;
}

const fieldLabels = {
  mbPerSecond: 'MB/s',
  serverCpuPerGiB: 'server CPU s/GiB',
  uploadFilesPerSecond: 'upload files/s',
  downloadFilesPerSecond: 'download files/s',
  sequentialPerSecond: 'sequential sessions/s',
  concurrentPerSecond: '32-concurrent sessions/s',
  listMs: 'LIST ms',
  mlsdMs: 'MLSD ms',
  kibPerSession: 'KiB per idle session',
  heapKibPerSession: 'heap KiB per idle session (after GC)',
  clientCpuShare: 'client CPU (cores)',
};

const metricTitles = {
  retr: 'RETR 1 stream',
  stor: 'STOR 1 stream',
  parallel: '8 parallel RETR',
  small: '4 KiB files',
  churn: 'session churn',
  listing: '10k listing',
  idle: 'idle sessions',
};

/** Rows of the S3 table: FTP field, SDK field (or none), label, target. */
const s3Rows = [
  ['ftpStorMbPerSecond', 'sdkUploadMbPerSecond', 'STOR / lib-storage Upload: MB/s ↑', '≥ 0.9x'],
  ['ftpRetrMbPerSecond', 'sdkGetMbPerSecond', 'RETR / GetObject: MB/s ↑', '≥ 0.9x'],
  ['serverStorPeakOverIdleMiB', 'sdkUploadPeakOverIdleMiB', 'peak RSS during the upload over the idle process: MiB ↓', 'server ≤ 64 MiB'],
  ['serverStorPeakGrowthMiB', 'sdkUploadPeakGrowthMiB', 'peak RSS during the upload over the RSS just before: MiB', ''],
  ['serverRetrPeakGrowthMiB', null, 'peak RSS during the download over the RSS just before: MiB', ''],
  ['serverStorCpuPerGiB', 'sdkUploadCpuPerGiB', 'upload CPU s/GiB (server / SDK process)', ''],
  ['serverRetrCpuPerGiB', 'sdkGetCpuPerGiB', 'download CPU s/GiB (server / SDK process)', ''],
];

/** Metric 8: our server over storage-s3 beside the SDK alone, medians and ours/SDK ratios. */
function formatS3Table(result) {
  const fields = result.summary.s3;
  if (fields === undefined) return [];
  const { plan } = result;
  const s3 = result.s3 ?? {};
  const value = (field) => (field === null ? undefined : fields[field]?.medians['ours-s3']);
  const lines = [
    `S3 (metric 8): ${plan.s3Bytes / 2 ** 20} MiB objects on ${s3.endpoint ?? 'the test S3 server'}, part size ` +
      `${plan.s3PartBytes / 2 ** 20} MiB, queue size ${plan.s3QueueSize}` +
      `${s3.signPayload === undefined ? '' : `, signPayload ${s3.signPayload}`}, medians of ${plan.rounds} rounds.`,
    '',
    '| S3 | ours (FTP, storage-s3) | direct SDK | ours/SDK | target |',
    '| --- | ---: | ---: | ---: | --- |',
  ];
  for (const [ours, direct, label, target] of s3Rows) {
    if (value(ours) === undefined && value(direct) === undefined) continue;
    const ratio = fields[ours]?.ratios.sdk;
    lines.push(
      `| ${label} | ${format(value(ours))} | ${direct === null ? '' : format(value(direct))} | ${ratio === undefined ? '' : `${ratio.toFixed(2)}x`} | ${target} |`,
    );
  }
  return lines;
}

function format(value) {
  if (value === null || value === undefined) return 'n/a';
  if (Math.abs(value) >= 100) return value.toFixed(0);
  if (Math.abs(value) >= 10) return value.toFixed(1);
  return value.toFixed(2);
}

/** A Markdown table: one row per metric field, one column per server, then ours/peer ratios; then the S3 table. */
export function formatSummary(result) {
  const peerSamples = Object.entries(result.samples).filter(([metricName]) => metricName !== 's3');
  const servers = [...new Set(peerSamples.flatMap(([, byServer]) => Object.keys(byServer)))];
  const peers = servers.filter((server) => server !== 'ours' && server !== 'ours-nofsync');
  const { conditions, plan } = result;
  const lines = [
    `Run of ${conditions.date} (${result.mode}, ${plan.rounds} rounds, medians; big file ${plan.bigFileBytes / 2 ** 20} MiB, ` +
      `${plan.parallelStreams} x ${plan.parallelFileBytes / 2 ** 20} MiB parallel, ${plan.idleSessions} idle sessions` +
      `${Object.keys(result.warmup ?? {}).length > 0 ? `; after ${plan.warmupRounds} untimed warm-up round(s) of ${Object.keys(result.warmup).join(', ')}` : ''}).`,
    `Machine: ${conditions.cores} x ${conditions.cpu}, ${conditions.memoryGiB} GiB, Linux ${conditions.kernel}, Node ${conditions.node}, ` +
      `data on ${conditions.dataOn}, load average ${conditions.loadAverageAtStart.join('/')} at start, ` +
      `${(conditions.loadAverageAtEnd ?? []).join('/')} at end.`,
    '',
  ];
  if (servers.length > 0) {
    lines.push(
      `| metric | ${servers.join(' | ')} | ${peers.map((peer) => `ours/${peer}`).join(' | ')} |`,
      `| --- | ${servers.map(() => '---:').join(' | ')} | ${peers.map(() => '---:').join(' | ')} |`,
    );
    for (const [metricName, fields] of Object.entries(result.summary)) {
      if (metricName === 's3') continue;
      for (const [field, { better, medians, ratios }] of Object.entries(fields)) {
        const arrow = better === 'higher' ? ' ↑' : better === 'lower' ? ' ↓' : '';
        const cells = servers.map((server) => format(medians[server]));
        const ratioCells = peers.map((peer) => (ratios[peer] === undefined ? '' : `${ratios[peer].toFixed(2)}x`));
        lines.push(
          `| ${metricTitles[metricName] ?? metricName}: ${fieldLabels[field] ?? field}${arrow} | ${cells.join(' | ')} | ${ratioCells.join(' | ')} |`,
        );
      }
    }
    lines.push('', '↑ higher is better, ↓ lower is better; a ratio is ours divided by the peer.');
  }
  const s3Lines = formatS3Table(result);
  if (s3Lines.length > 0) lines.push(...(servers.length > 0 ? [''] : []), ...s3Lines);
  const paragraph = (text) => lines.push(...(lines.at(-1) === '' ? [] : ['']), text);
  if (result.skipped.length > 0) paragraph(`Skipped: ${result.skipped.join('; ')}.`);
  if (result.errors.length > 0)
    paragraph(
      `Failures: ${result.errors.map((error) => `${error.server} ${error.metric} (${error.warmup === undefined ? `round ${error.round}` : `warm-up ${error.warmup}`}): ${error.error}`).join('; ')}.`,
    );
  return `${lines.join('\n')}\n`;
}
