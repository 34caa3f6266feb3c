import { isIP, isIPv4, isIPv6 } from 'node:net';
import { ConfigError } from './config-error.ts';
import type { ValueKind } from './config-keys.ts';

/** Checks a value from the JSON file against its kind; throws `ConfigError` naming `key` and why. */
export function checkValue(key: string, kind: ValueKind, value: unknown, source?: string): unknown {
  const fail = (reason: string): never => {
    throw new ConfigError(key, `${reason}, got ${describe(value)}`, source);
  };
  switch (kind.type) {
    case 'string':
      if (typeof value !== 'string' || value.length === 0) fail('must be a non-empty string');
      return value;
    case 'host':
      if (typeof value !== 'string' || !isHost(value)) fail('must be an IP address or host name');
      return value;
    case 'ipv4':
      if (typeof value !== 'string' || !isIPv4(value)) fail('must be an IPv4 address such as "203.0.113.7"');
      return value;
    case 'ipv4-or-hostname':
      if (typeof value !== 'string' || isIPv6(value) || !isHost(value) || (/^[\d.]+$/.test(value) && !isIPv4(value))) {
        fail('must be an IPv4 address or a host name');
      }
      return value;
    case 'integer':
      if (typeof value !== 'number' || !Number.isInteger(value) || value < kind.min || value > kind.max) {
        fail(`must be an integer from ${kind.min} to ${kind.max}`);
      }
      return value;
    case 'boolean':
      if (typeof value !== 'boolean') fail('must be true or false');
      return value;
    case 'object':
      if (typeof value !== 'object' || value === null || Array.isArray(value)) fail('must be an object');
      return value;
    case 'choice':
      if (typeof value !== 'string' || !kind.choices.includes(value)) fail(`must be one of ${kind.choices.join(', ')}`);
      return value;
  }
}

/**
 * Converts an environment variable's text to the JSON value its kind expects (then checked by `checkValue`):
 * integers in decimal, booleans as true/false/1/0/yes/no, objects as JSON.
 */
export function valueFromEnvironment(key: string, kind: ValueKind, text: string, variable: string): unknown {
  const source = `from environment variable ${variable}`;
  switch (kind.type) {
    case 'integer':
      if (!/^-?\d+$/.test(text.trim())) throw new ConfigError(key, `must be an integer, got "${text}"`, source);
      return checkValue(key, kind, Number(text.trim()), source);
    case 'boolean': {
      const normalised = text.trim().toLowerCase();
      if (['true', '1', 'yes'].includes(normalised)) return true;
      if (['false', '0', 'no'].includes(normalised)) return false;
      throw new ConfigError(key, `must be true or false, got "${text}"`, source);
    }
    case 'object': {
      let parsed: unknown;
      try {
        parsed = JSON.parse(text);
      } catch (error) {
        throw new ConfigError(key, `must be a JSON object (${(error as Error).message})`, source);
      }
      return checkValue(key, kind, parsed, source);
    }
    default:
      return checkValue(key, kind, text, source);
  }
}

function isHost(value: string): boolean {
  return isIP(value) !== 0 || /^[A-Za-z0-9](?:[A-Za-z0-9.-]{0,251}[A-Za-z0-9])?$/.test(value);
}

function describe(value: unknown): string {
  if (value === undefined) return 'nothing';
  const text = JSON.stringify(value);
  return text.length > 60 ? `${text.slice(0, 57)}...` : text;
}
