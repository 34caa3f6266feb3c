#!/usr/bin/env node
import { mkdir, readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import type { Logger } from 'pino';
import { parseCliArguments, usage, UsageError } from './cli-arguments.ts';
import { loadConfig, namedConfigFile, type AppConfig } from './config.ts';
import { isConfigurationError } from './config-error.ts';
import { createDefaultSetup, type DefaultSetup } from './default-config.ts';
import { runHashPassword } from './hash-password-command.ts';
import { runUsersCommand } from './users-command.ts';
import { createLogger } from './logging.ts';
import { startServer, type StartedServer } from './start-server.ts';
import { watchCertificate } from './certificate-reload.ts';
import { WorkerStartError } from './workers/primary.ts';
import { startPrimary } from './workers/start-primary.ts';
import { isServerWorker, runWorker } from './workers/worker.ts';
import { workerCount } from './workers/worker-count.ts';

/** Exit codes of the app. */
const ExitCode = { Success: 0, Failure: 1, Configuration: 2 } as const;

/** Runs the command line; resolves to an exit code, or to undefined while the server keeps running. */
async function main(argv: readonly string[]): Promise<number | undefined> {
  const cli = parseCliArguments(argv);
  if (cli.command === 'help') {
    process.stdout.write(usage);
    return ExitCode.Success;
  }
  if (cli.command === 'version') {
    process.stdout.write(`${await packageVersion()}\n`);
    return ExitCode.Success;
  }
  if (cli.command === 'hash-password') {
    return runHashPassword({ input: process.stdin, output: process.stdout, errorOutput: process.stderr });
  }
  if (cli.command === 'users') {
    const streams = { input: process.stdin, output: process.stdout, errorOutput: process.stderr };
    return runUsersCommand(cli.argv, { streams, environment: process.env, cwd: process.cwd() });
  }
  if (isServerWorker()) {
    await runWorker(cli.configFile);
    return undefined;
  }
  const setup = namedConfigFile(cli.configFile, process.env) === undefined ? await createDefaultSetup() : undefined;
  const config = loadConfig({
    configFile: cli.configFile,
    environment: process.env,
    cwd: process.cwd(),
    defaultDocument: setup?.document ?? {},
  });
  const logger = createLogger(config.logLevel);
  await announceDefaultSetup(config, setup);
  logger.info(
    { configFile: config.configFile ?? null, authenticator: config.authenticator, storageConnector: config.storageConnector },
    'starting',
  );
  const workers = workerCount(config.workers);
  if (workers > 1) {
    await startPrimary({ config, logger, workers, ...(setup === undefined ? {} : { defaultDocument: setup.document }) });
    return undefined;
  }
  const started = await startServer(config, logger);
  // The handlers come before the "listening" line: whoever reads it (a supervisor, a test) may signal at once.
  handleSignals(started, logger);
  if (config.tls !== undefined) {
    watchCertificate(started, config.tls, logger);
  } else {
    // `systemctl reload` sends SIGHUP, whose default action ends the process: without TLS there is nothing to reload.
    process.on('SIGHUP', () => logger.info({ signal: 'SIGHUP' }, 'nothing to reload: no tls section'));
  }
  logger.info(
    {
      address: started.address,
      port: started.port,
      implicitTlsPort: started.implicitTlsPort,
      metrics: started.metrics,
      admin: started.admin,
    },
    'listening',
  );
  return undefined;
}

/** The version of the installed package: the manifest is one level above `dist/main.js` (and `src/main.ts`). */
async function packageVersion(): Promise<string> {
  const manifest = JSON.parse(await readFile(new URL('../package.json', import.meta.url), 'utf8')) as { version: string };
  return manifest.version;
}

/**
 * With the embedded default, creates ./data and tells the person at the terminal how to log in. The password goes
 * to stderr as plain text, once, and never into the JSON log.
 */
async function announceDefaultSetup(config: AppConfig, setup: DefaultSetup | undefined): Promise<void> {
  if (setup === undefined) return;
  const usesDefaultStorage = config.storageConnector === 'fs' && config.storageConfig === setup.storageConfig;
  const root = resolve(config.configDirectory, setup.storageConfig.root);
  if (usesDefaultStorage) await mkdir(root, { recursive: true });
  if (config.authenticator === 'local' && config.authenticatorConfig === setup.authenticatorConfig) {
    process.stderr.write(
      (usesDefaultStorage ? `ftp-server: no config file given; serving ${root}\n` : '') +
        `ftp-server: log in as user "${setup.username}" with password: ${setup.password}\n` +
        '(the password is generated anew at every start; use --config FILE for a permanent setup)\n',
    );
  }
}

/** SIGTERM/SIGINT close the server gracefully and exit 0; a second signal exits at once. */
function handleSignals(started: StartedServer, logger: Logger): void {
  let isClosing = false;
  const onSignal = (signal: NodeJS.Signals) => {
    if (isClosing) {
      logger.warn({ signal }, 'second signal: exiting without waiting for transfers');
      process.exit(ExitCode.Failure);
    }
    isClosing = true;
    logger.info({ signal }, 'shutting down');
    started.close().then(
      () => {
        logger.info({}, 'stopped');
        process.exit(ExitCode.Success);
      },
      (error: unknown) => {
        logger.error({ error: (error as Error).message }, 'shutdown failed');
        process.exit(ExitCode.Failure);
      },
    );
  };
  process.on('SIGTERM', onSignal);
  process.on('SIGINT', onSignal);
}

function exitCodeFor(error: unknown): number {
  // The worker wrote its own message to stderr, which it shares with the primary.
  if (error instanceof WorkerStartError) return error.exitCode;
  if (error instanceof UsageError) {
    process.stderr.write(`ftp-server: ${error.message}\n\n${usage}`);
    return ExitCode.Configuration;
  }
  if (isConfigurationError(error)) {
    process.stderr.write(`ftp-server: configuration error: ${error.message}\n`);
    return ExitCode.Configuration;
  }
  process.stderr.write(`ftp-server: ${error instanceof Error ? error.message : String(error)}\n`);
  return ExitCode.Failure;
}

main(process.argv.slice(2)).then(
  (code) => {
    if (code !== undefined) process.exitCode = code;
  },
  (error: unknown) => {
    process.exitCode = exitCodeFor(error);
    // A half-started server (listening failed after plugins opened) must not keep the process alive.
    process.exit();
  },
);
