import { z } from 'zod';
import { configSchema, environmentVariables, type ConfigKey } from './config-schema.ts';

// Environment variables set top-level keys of the same schema as the file: each variable's text is turned into the
// JSON value the key's schema type expects, then checked by the schema like a value from the file.

/** A value taken from an environment variable, or why its text could not be read. */
export type EnvironmentValue =
  | { readonly key: ConfigKey; readonly variable: string; readonly value: unknown }
  | { readonly key: ConfigKey; readonly variable: string; readonly problem: string };

/** The values of the variables set (empty ones are ignored), in the order of the schema. */
export function valuesFromEnvironment(environment: Readonly<Record<string, string | undefined>>): readonly EnvironmentValue[] {
  return environmentVariables().flatMap(({ key, variable }): EnvironmentValue[] => {
    const text = environment[variable];
    if (text === undefined || text.trim() === '') return [];
    const converted = fromText(text, jsonTypeOf(key));
    return ['problem' in converted ? { key, variable, problem: converted.problem } : { key, variable, value: converted.value }];
  });
}

/** The text of a set environment variable, or undefined when it is unset or empty. */
export function nonEmptyVariable(environment: Readonly<Record<string, string | undefined>>, variable: string): string | undefined {
  const text = environment[variable];
  return text === undefined || text.trim() === '' ? undefined : text;
}

/** The environment variable of `key`. */
export function variableOf(key: ConfigKey): string {
  const found = environmentVariables().find((entry) => entry.key === key);
  if (found === undefined) throw new Error(`config key ${key} has no environment variable`);
  return found.variable;
}

type JsonType = 'integer' | 'number' | 'boolean' | 'object' | 'array' | 'string';

const jsonTypes = new Map<ConfigKey, JsonType>();

/** The JSON type the schema of `key` expects, read from its JSON Schema. */
function jsonTypeOf(key: ConfigKey): JsonType {
  let type = jsonTypes.get(key);
  if (type === undefined) {
    const schema = z.toJSONSchema(configSchema.shape[key], { io: 'input' });
    type = typeof schema.type === 'string' ? (schema.type as JsonType) : 'string';
    jsonTypes.set(key, type);
  }
  return type;
}

/** Integers in decimal, booleans as true/false/1/0/yes/no, objects and lists as JSON, anything else as it is. */
function fromText(text: string, type: JsonType): { readonly value: unknown } | { readonly problem: string } {
  const trimmed = text.trim();
  switch (type) {
    case 'integer':
    case 'number':
      return /^-?\d+$/.test(trimmed) ? { value: Number(trimmed) } : { problem: `must be an integer, got "${text}"` };
    case 'boolean': {
      const word = trimmed.toLowerCase();
      if (['true', '1', 'yes'].includes(word)) return { value: true };
      if (['false', '0', 'no'].includes(word)) return { value: false };
      return { problem: `must be true or false, got "${text}"` };
    }
    case 'object':
    case 'array':
      try {
        return { value: JSON.parse(text) };
      } catch (error) {
        return { problem: `must be a JSON ${type === 'object' ? 'object' : 'list'} (${(error as Error).message})` };
      }
    default:
      return { value: text };
  }
}
