// Medians per server and ratios of ours against every peer, as JSON and as a Markdown summary.

const median = (values) => {
  const sorted = values.filter((value) => typeof value === 'number').sort((a, b) => a - b);
  if (sorted.length === 0) return null;
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
};

/** { metric: { field: { better, medians: { server: value }, ratios: { peer: ours/peer } } } } */
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
      if (better !== 'info' && typeof ours === 'number') {
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

function format(value) {
  if (value === null || value === undefined) return 'n/a';
  if (Math.abs(value) >= 100) return value.toFixed(0);
  if (Math.abs(value) >= 10) return value.toFixed(1);
  return value.toFixed(2);
}

/** A Markdown table: one row per metric field, one column per server, then ours/peer ratios. */
export function formatSummary(result) {
  const servers = [...new Set(Object.values(result.samples).flatMap((byServer) => Object.keys(byServer)))];
  const peers = servers.filter((server) => server !== 'ours' && server !== 'ours-nofsync');
  const { conditions, plan } = result;
  const lines = [
    `Run of ${conditions.date} (${result.mode}, ${plan.rounds} rounds, medians; big file ${plan.bigFileBytes / 2 ** 20} MiB, ` +
      `${plan.parallelStreams} x ${plan.parallelFileBytes / 2 ** 20} MiB parallel, ${plan.idleSessions} idle sessions).`,
    `Machine: ${conditions.cores} x ${conditions.cpu}, ${conditions.memoryGiB} GiB, Linux ${conditions.kernel}, Node ${conditions.node}, ` +
      `data on ${conditions.dataOn}, load average ${conditions.loadAverageAtStart.join('/')} at start, ` +
      `${(conditions.loadAverageAtEnd ?? []).join('/')} at end.`,
    '',
    `| metric | ${servers.join(' | ')} | ${peers.map((peer) => `ours/${peer}`).join(' | ')} |`,
    `| --- | ${servers.map(() => '---:').join(' | ')} | ${peers.map(() => '---:').join(' | ')} |`,
  ];
  for (const [metricName, fields] of Object.entries(result.summary)) {
    for (const [field, { better, medians, ratios }] of Object.entries(fields)) {
      const arrow = better === 'higher' ? ' ↑' : better === 'lower' ? ' ↓' : '';
      const cells = servers.map((server) => format(medians[server]));
      const ratioCells = peers.map((peer) => (ratios[peer] === undefined ? '' : `${ratios[peer].toFixed(2)}x`));
      lines.push(`| ${metricTitles[metricName] ?? metricName}: ${fieldLabels[field] ?? field}${arrow} | ${cells.join(' | ')} | ${ratioCells.join(' | ')} |`);
    }
  }
  lines.push('', '↑ higher is better, ↓ lower is better; a ratio is ours divided by the peer.');
  if (result.skipped.length > 0) lines.push(`Skipped: ${result.skipped.join('; ')}.`);
  if (result.errors.length > 0) lines.push(`Failures: ${result.errors.map((error) => `${error.server} ${error.metric} (round ${error.round}): ${error.error}`).join('; ')}.`);
  return `${lines.join('\n')}\n`;
}
