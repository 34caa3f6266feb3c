import { readFile } from 'node:fs/promises';
import { isAbsolute, resolve } from 'node:path';
import type { TlsOptions } from '@ftp/server';
import type { z } from 'zod';
import { ConfigError } from './config-error.ts';
import type { tlsSchema } from './config-schema.ts';

/** The `tls` section of the config file (RFC 4217 FTPS), with `certFile` and `keyFile` made absolute. */
export type TlsConfig = Readonly<z.output<typeof tlsSchema>>;

/** The section with its file paths resolved against the config file's directory. */
export function resolveTlsPaths(section: z.output<typeof tlsSchema>, configDirectory: string): TlsConfig {
  const absolute = (path: string) => (isAbsolute(path) ? path : resolve(configDirectory, path));
  return { ...section, certFile: absolute(section.certFile), keyFile: absolute(section.keyFile) };
}

/** Reads the certificate and key files; a missing or unreadable file is a `ConfigError` naming the key and the path. */
export async function readCertificatePair(config: TlsConfig): Promise<{ cert: Buffer; key: Buffer }> {
  const read = async (key: 'certFile' | 'keyFile') => {
    try {
      return await readFile(config[key]);
    } catch (error) {
      throw new ConfigError(`tls.${key}`, unreadableFileReason(config[key], error as NodeJS.ErrnoException));
    }
  };
  return { cert: await read('certFile'), key: await read('keyFile') };
}

/**
 * Why `path` could not be read, naming it once: Node's message ("EACCES: permission denied, open '<path>'")
 * names it again, so only its code and description are kept.
 */
function unreadableFileReason(path: string, error: NodeJS.ErrnoException): string {
  if (error.code === 'ENOENT') return `${path} does not exist`;
  return `cannot read ${path}: ${error.message.replace(/, \w+( '.*')?$/, '')}`;
}

/** The engine's TLS options for this config. */
export function tlsOptions(config: TlsConfig, pair: { cert: Buffer; key: Buffer }, implicitPort: number | undefined): TlsOptions {
  const { certFile: _certFile, keyFile: _keyFile, ...policy } = config;
  return { ...policy, ...pair, ...(implicitPort === undefined ? {} : { implicitPort }) };
}
