import { isIP, isIPv4, isIPv6 } from 'node:net';
import { z } from 'zod';

// The building blocks of the config schema. Each value schema carries its own message ("must be an integer from 0 to
// 65535"), so a problem reads the same wherever the key sits; what a message cannot say from the schema alone (the
// README's wording of a type or default, the environment variable of a top-level key, hints for unknown keys) lives
// in the `configDocs` registry beside it.

/** What the README, the environment mapping and the problem messages need besides the JSON Schema. */
export interface ConfigDocs {
  /** The environment variable that overrides a top-level key. */
  readonly env?: string;
  /** The README's type column, when the JSON Schema type says too little ("IP address or host name"). */
  readonly typeText?: string;
  /** The README's default column, when the default is not a value the app fills in ("any free port", "off"). */
  readonly defaultText?: string;
  /** The reason given when a required key is missing, instead of "is required". */
  readonly whenMissing?: string;
  /** On an object: reasons given for particular unknown keys (a plain `password` instead of `passwordHash`). */
  readonly unknownKeyHints?: Readonly<Record<string, string>>;
  /** On an object without keys: why no key is accepted ("the no-auth authenticator takes no options"). */
  readonly noKeysReason?: string;
}

/** Documentation of the config schemas, looked up by schema. */
export const configDocs = z.registry<ConfigDocs>();

/** The text of one key: its meaning, and what the README and the problem messages say about it. */
export interface FieldText extends ConfigDocs {
  /** The JSON Schema `description`, and the README's meaning column. */
  readonly description: string;
  /** The default the engine or plugin applies when the key is left out: a JSON Schema annotation only. */
  readonly defaultValue?: unknown;
}

/** Gives `schema` its description and docs. */
export function documented<T extends z.ZodType>(schema: T, text: FieldText): T {
  const { description, defaultValue, ...docs } = text;
  const described = schema.meta(defaultValue === undefined ? { description } : { description, default: defaultValue }) as T;
  if (Object.keys(docs).length > 0) configDocs.add(described, docs);
  return described;
}

/** The message of a value problem; a missing value gets "is required" (or its `whenMissing`) from the formatter. */
function must(text: string) {
  return { error: (issue: { readonly input?: unknown }) => (issue.input === undefined ? undefined : text) };
}

/** A string that matches `pattern`; `text` says what it must be. */
export function matching(pattern: RegExp, text: string) {
  return z.string(must(text)).regex(pattern, must(text));
}

/** A whole number from `minimum` to `maximum` (inclusive). */
export function integer(minimum: number, maximum: number) {
  const message = must(`must be an integer from ${minimum} to ${maximum}`);
  return z.int(message).min(minimum, message).max(maximum, message);
}

/** A TCP port; 0 lets the system pick a free one. */
export const port = () => integer(0, 65_535);

/** A duration in milliseconds, at most one day (the engine's limit for its timeouts). */
export const milliseconds = () => integer(1, 86_400_000);

/** A number greater than zero (a rate in bytes per second). */
export function positiveNumber() {
  const message = must('must be a number greater than 0');
  return z.number(message).positive(message);
}

export function flag() {
  return z.boolean(must('must be true or false'));
}

export function nonEmptyText(text = 'must be a non-empty string') {
  const message = must(text);
  return z.string(message).min(1, message);
}

/** One of `choices`, spelled exactly. */
export function choice<const T extends readonly [string, ...string[]]>(choices: T) {
  return z.enum(choices, must(`must be one of ${choices.join(', ')}`));
}

/**
 * One of `choices` in any letter case (ex_ftp writes atoms such as `:post`, which become "post"). The pattern is the
 * JSON Schema's too, and the choices are offered to editors as examples.
 */
export function choiceInAnyCase(choices: readonly [string, ...string[]]) {
  const letters = (word: string) =>
    [...word]
      .map((character) => (/[a-z]/i.test(character) ? `[${character.toUpperCase()}${character.toLowerCase()}]` : character))
      .join('');
  const message = must(`must be one of ${choices.join(', ')} (in any case)`);
  return z
    .string(message)
    .regex(new RegExp(`^(?:${choices.map(letters).join('|')})$`), message)
    .meta({ examples: [...choices] })
    .register(configDocs, { typeText: `${choices.map((item) => `\`${item}\``).join(' ')} (any case)` });
}

/** An IP address or a DNS host name. */
export function host(text = 'must be an IP address or host name') {
  const message = must(text);
  return z.string(message).refine(isHost, message);
}

/** An IPv4 address or a host name (PASV announces IPv4 only, RFC 959 §4.1.2). */
export function ipv4OrHostname() {
  const message = must('must be an IPv4 address or a host name');
  return z
    .string(message)
    .refine((value) => !isIPv6(value) && isHost(value) && (!/^[\d.]+$/.test(value) || isIPv4(value)), message)
    .register(configDocs, { typeText: 'IPv4 address or host name' });
}

/** An absolute http:// or https:// URL; stored in its normalised form. */
export function httpUrl() {
  return z.url({ protocol: /^https?$/, normalize: true, ...must('must be an http:// or https:// URL') });
}

/** A virtual path as the FTP user sees it, from the user's root. */
export function virtualPath() {
  const message = must('must be an absolute virtual path such as "/incoming"');
  return z.string(message).startsWith('/', message);
}

/** A list of at least one `item`. */
export function nonEmptyList<T extends z.ZodType>(item: T) {
  const message = must('must be a non-empty list');
  return z.array(item, message).min(1, message);
}

/** An object whose keys are checked by `key` and values by `value`. */
export function mapOf<K extends z.ZodType<string, string>, V extends z.ZodType>(key: K, value: V) {
  return z.record(key, value, must('must be an object'));
}

/** An object of any keys, checked elsewhere (the config of a plugin from a package). */
export function anyObject() {
  return z.record(z.string(), z.unknown(), must('must be an object'));
}

function isHost(value: string): boolean {
  return isIP(value) !== 0 || /^[A-Za-z0-9](?:[A-Za-z0-9.-]{0,251}[A-Za-z0-9])?$/.test(value);
}
