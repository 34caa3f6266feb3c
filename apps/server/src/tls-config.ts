import { readFile } from 'node:fs/promises';
import { isAbsolute, resolve } from 'node:path';
import type { TlsOptions } from '@ftp/server';
import { ConfigError } from './config-error.ts';
import { checkValue } from './config-values.ts';
import type { ValueKind } from './config-keys.ts';
import { closestMatch } from './did-you-mean.ts';

/** The `tls` section of the config file (RFC 4217 FTPS). Paths are relative to the config file's directory. */
export interface TlsConfig {
  readonly certFile: string;
  readonly keyFile: string;
  readonly minVersion?: 'TLSv1.2' | 'TLSv1.3';
  readonly ciphers?: string;
  readonly requireForLogin?: boolean;
  readonly requireForData?: boolean;
  readonly requireSessionReuse?: boolean;
}

const tlsKeys: Readonly<Record<keyof TlsConfig, ValueKind>> = {
  certFile: { type: 'string' },
  keyFile: { type: 'string' },
  minVersion: { type: 'choice', choices: ['TLSv1.2', 'TLSv1.3'] },
  ciphers: { type: 'string' },
  requireForLogin: { type: 'boolean' },
  requireForData: { type: 'boolean' },
  requireSessionReuse: { type: 'boolean' },
};

/** Validates the `tls` object; throws `ConfigError` naming `tls.<key>`. Resolves the file paths. */
export function parseTlsConfig(value: Readonly<Record<string, unknown>>, configDirectory: string): TlsConfig {
  for (const [key, item] of Object.entries(value)) {
    if (!Object.hasOwn(tlsKeys, key)) {
      const suggestion = closestMatch(key, Object.keys(tlsKeys));
      throw new ConfigError(`tls.${key}`, `unknown key${suggestion === undefined ? '' : `; did you mean "${suggestion}"?`}`);
    }
    checkValue(`tls.${key}`, tlsKeys[key as keyof TlsConfig], item);
  }
  for (const required of ['certFile', 'keyFile'] as const) {
    if (value[required] === undefined) throw new ConfigError(`tls.${required}`, 'is required to enable FTPS: a PEM file path');
  }
  const absolute = (path: unknown) => (isAbsolute(path as string) ? (path as string) : resolve(configDirectory, path as string));
  return { ...(value as unknown as TlsConfig), certFile: absolute(value.certFile), keyFile: absolute(value.keyFile) };
}

/** Reads the certificate and key files; a missing or unreadable file is a `ConfigError` naming the key. */
export async function readCertificatePair(config: TlsConfig): Promise<{ cert: Buffer; key: Buffer }> {
  const read = async (key: 'certFile' | 'keyFile') => {
    try {
      return await readFile(config[key]);
    } catch (error) {
      throw new ConfigError(`tls.${key}`, `cannot read ${config[key]}: ${(error as Error).message}`);
    }
  };
  return { cert: await read('certFile'), key: await read('keyFile') };
}

/** The engine's TLS options for this config. */
export function tlsOptions(config: TlsConfig, pair: { cert: Buffer; key: Buffer }, implicitPort: number | undefined): TlsOptions {
  const { certFile: _certFile, keyFile: _keyFile, ...policy } = config;
  return { ...policy, ...pair, ...(implicitPort === undefined ? {} : { implicitPort }) };
}
