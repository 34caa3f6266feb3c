import type { z } from 'zod';
import { configDocs } from './config-fields.ts';
import { closestMatch } from './did-you-mean.ts';

/** One thing wrong in a config: the key at fault by its full path, why, and where the value came from. */
export interface ConfigProblem {
  /** Dotted, with list indexes: `userDefaults.permisions`, `authenticatorConfig.users[0].passwordHash`. */
  readonly key: string;
  readonly reason: string;
  /** "in /etc/ftp/ftp.json", "from environment variable FTP_PORT"; undefined when no single place holds the value. */
  readonly source?: string | undefined;
}

/** A path into a config document, as zod reports it. */
export type ConfigPath = readonly PropertyKey[];

/** A problem found by a schema, located by path (the caller knows where each top-level value came from). */
export interface SchemaProblem {
  readonly path: ConfigPath;
  readonly reason: string;
}

/** The outcome of checking a value against a schema: the value as the schema outputs it, or every problem. */
export type SchemaCheck<T> = { readonly ok: true; readonly value: T } | { readonly ok: false; readonly problems: readonly SchemaProblem[] };

/** Writes a path the way the README names keys: `tls.certFile`, `users[0].permissions`, `pasvAddressMap["10.0.0.0/8"]`. */
export function formatPath(path: ConfigPath): string {
  let text = '';
  for (const segment of path) {
    if (typeof segment === 'number') text += `[${segment}]`;
    else if (typeof segment === 'string' && /^[A-Za-z_$][\w$-]*$/.test(segment)) text += text === '' ? segment : `.${segment}`;
    else text += `[${JSON.stringify(String(segment))}]`;
  }
  return text;
}

/**
 * Checks `value` against `schema` and reports every problem at once, each at its full path, in one style: unknown
 * keys one by one with the closest known key as a hint, wrong values with what is expected and what was found.
 */
export function checkWithSchema<T extends z.ZodType>(schema: T, value: unknown): SchemaCheck<z.output<T>> {
  const knownKeysAt = new Map<string, { readonly known: readonly string[]; readonly object: z.core.$ZodType }>();
  const result = schema.safeParse(value, {
    reportInput: true,
    error: (issue) => {
      if (issue.code === 'unrecognized_keys' && issue.inst !== undefined) {
        const shape = (issue.inst as z.core.$ZodObject)._zod.def.shape;
        knownKeysAt.set(formatPath(issue.path ?? []), { known: Object.keys(shape ?? {}), object: issue.inst as z.core.$ZodType });
        return 'unknown key';
      }
      return genericMessage(issue);
    },
  });
  if (result.success) return { ok: true, value: result.data };
  const problems = result.error.issues.flatMap((issue): SchemaProblem[] => {
    if (issue.code === 'unrecognized_keys') {
      const at = knownKeysAt.get(formatPath(issue.path));
      const docs = at === undefined ? undefined : configDocs.get(at.object);
      return issue.keys.map((key) => ({ path: [...issue.path, key], reason: unknownKeyReason(key, at?.known ?? [], docs) }));
    }
    if (issue.code === 'invalid_key') {
      const inner = issue.issues[0]?.message ?? 'is not an accepted key';
      return [{ path: issue.path, reason: `this key ${inner}` }];
    }
    const found = issue.code === 'custom' || issue.input === undefined ? '' : describeInput(issue.path, issue.input);
    return [{ path: issue.path, reason: found === '' ? issue.message : `${issue.message}, got ${found}` }];
  });
  return { ok: false, problems };
}

function unknownKeyReason(key: string, known: readonly string[], docs: ReturnType<typeof configDocs.get>): string {
  const hinted = docs?.unknownKeyHints?.[key];
  if (hinted !== undefined) return hinted;
  if (known.length === 0 && docs?.noKeysReason !== undefined) return `unknown key; ${docs.noKeysReason}`;
  const suggestion = closestMatch(key, known);
  return suggestion === undefined ? 'unknown key' : `unknown key; did you mean "${suggestion}"?`;
}

/** The message of an issue whose schema has none of its own, in the words the schemas use. */
function genericMessage(issue: z.core.$ZodRawIssue): string {
  if (issue.input === undefined && issue.code === 'invalid_type') {
    const docs = issue.inst === undefined ? undefined : configDocs.get(issue.inst as z.core.$ZodType);
    return docs?.whenMissing ?? 'is required';
  }
  switch (issue.code) {
    case 'invalid_type':
      return `must be ${expectedTypes[issue.expected] ?? issue.expected}`;
    case 'invalid_value':
      return issue.values.length === 1 ? `must be ${JSON.stringify(issue.values[0])}` : `must be one of ${issue.values.join(', ')}`;
    case 'too_small':
      return issue.origin === 'array' ? `must have at least ${issue.minimum} item(s)` : `must be at least ${issue.minimum}`;
    case 'too_big':
      return issue.origin === 'array' ? `must have at most ${issue.maximum} item(s)` : `must be at most ${issue.maximum}`;
    case 'invalid_format':
      return `must be a valid ${issue.format}`;
    case 'invalid_union':
      return 'does not match any accepted form';
    default:
      return 'is not accepted';
  }
}

const expectedTypes: Readonly<Record<string, string>> = {
  object: 'an object',
  record: 'an object',
  array: 'a list',
  string: 'a string',
  boolean: 'true or false',
  number: 'a number',
  int: 'an integer',
  never: 'left out',
};

/** Keys whose values are secrets: a problem names the key, never the value. */
const secretKeys = new Set(['password', 'passwordHash', 'secret', 'secretAccessKey', 'sessionToken', 'accessKeyId', 'ca']);

/** The value a problem found, short, with secrets and URL credentials left out. */
function describeInput(path: ConfigPath, input: unknown): string {
  const last = path.at(-1);
  if (typeof last === 'string' && secretKeys.has(last)) return '';
  const text = JSON.stringify(input)?.replace(/\/\/[^/@\s"]*@/g, '//…@') ?? String(input);
  return text.length > 60 ? `${text.slice(0, 57)}...` : text;
}
