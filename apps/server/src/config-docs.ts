import { z } from 'zod';
import { configDocs, type ConfigDocs } from './config-fields.ts';
import {
  builtInAuthenticatorSchemas,
  builtInStorageSchemas,
  fsOptionsSchema,
  httpOptionsSchema,
  localOptionsSchema,
  localUserSchema,
  s3OptionsSchema,
  webhookOptionsSchema,
} from './config-plugin-schemas.ts';
import {
  anonymousSchema,
  configSchema,
  defenderSchema,
  environmentVariables,
  preUploadHookSchema,
  proxyProtocolSchema,
  tlsSchema,
  userDefaultsSchema,
  webhooksSchema,
} from './config-schema.ts';

// What is written about the config comes from its schema: the tables of README.md and the JSON Schema file that
// editors use through "$schema". scripts/write-config-docs.mjs writes both; config-docs.test.ts fails when either
// differs from what the schema gives.

/** A JSON Schema as an object tree. */
type JsonSchema = { [keyword: string]: unknown };

/** The name of the JSON Schema file in the package, next to README.md. */
export const jsonSchemaFileName = 'ftp-server.schema.json';

const jsonSchemaOf = (schema: z.ZodType): JsonSchema => {
  const { $schema: _dialect, ...json } = z.toJSONSchema(schema, { io: 'input', target: 'draft-07' }) as JsonSchema;
  return json;
};

/**
 * The JSON Schema of the config file (draft-07, which every editor reads). `authenticatorConfig` and `storageConfig`
 * are checked against the options of the built-in plugin that `authenticator` and `storageConnector` name (the fs
 * connector when none is named); the config of a plugin from a package is left open.
 */
export function configJsonSchema(): JsonSchema {
  const { properties, required, additionalProperties, ...rest } = jsonSchemaOf(configSchema);
  return {
    $schema: 'http://json-schema.org/draft-07/schema#',
    title: 'ftp-server configuration',
    description: 'The config file of ftp-server. Keys left out take the defaults shown.',
    ...rest,
    properties,
    required,
    additionalProperties,
    allOf: [
      ...pluginConditions('authenticator', 'authenticatorConfig', builtInAuthenticatorSchemas, false),
      ...pluginConditions('storageConnector', 'storageConfig', builtInStorageSchemas, true),
    ],
  };
}

/** The JSON Schema file's text. */
export function configJsonSchemaText(): string {
  return `${JSON.stringify(configJsonSchema(), null, 2)}\n`;
}

/** `if <nameKey> is one of these names then <configKey> has these options`, one condition per distinct schema. */
function pluginConditions(
  nameKey: string,
  configKey: string,
  schemas: Readonly<Record<string, z.ZodType>>,
  isDefaultFirst: boolean,
): JsonSchema[] {
  const namesBySchema = new Map<z.ZodType, string[]>();
  for (const [name, schema] of Object.entries(schemas)) namesBySchema.set(schema, [...(namesBySchema.get(schema) ?? []), name]);
  return [...namesBySchema].map(([schema, names], index) => {
    const named = { properties: { [nameKey]: names.length === 1 ? { const: names[0] } : { enum: names } }, required: [nameKey] };
    const condition = isDefaultFirst && index === 0 ? { anyOf: [named, { not: { required: [nameKey] } }] } : named;
    // biome-ignore lint/suspicious/noThenProperty: "then" is the JSON Schema keyword (draft-07 if/then), not a thenable.
    return { if: condition, then: { properties: { [configKey]: jsonSchemaOf(schema) } } };
  });
}

/** One table of README.md: its name in the markers, and the object schema whose keys it lists. */
interface ReadmeTable {
  readonly name: string;
  readonly schema: z.ZodObject;
  /** Keys left out: shown in another table, or not for people. */
  readonly omit?: readonly string[];
}

const readmeTables: readonly ReadmeTable[] = [
  { name: 'config-keys', schema: configSchema, omit: ['$schema', '$comment'] },
  { name: 'authenticator-local', schema: localOptionsSchema },
  { name: 'authenticator-local-user', schema: localUserSchema },
  { name: 'authenticator-http', schema: httpOptionsSchema },
  { name: 'authenticator-webhook', schema: webhookOptionsSchema, omit: Object.keys(httpOptionsSchema.shape) },
  { name: 'storage-fs', schema: fsOptionsSchema },
  { name: 'storage-s3', schema: s3OptionsSchema },
  { name: 'user-defaults', schema: userDefaultsSchema },
  { name: 'defender', schema: defenderSchema },
  { name: 'anonymous', schema: anonymousSchema },
  { name: 'tls', schema: tlsSchema },
  { name: 'webhooks', schema: webhooksSchema },
  { name: 'pre-upload-hook', schema: preUploadHookSchema },
  { name: 'proxy-protocol', schema: proxyProtocolSchema },
];

/** The generated sections of README.md by marker name, as markdown. */
export function readmeSections(): ReadonlyMap<string, string> {
  const sections = new Map(readmeTables.map((table) => [table.name, keyTable(table)]));
  sections.set('environment', environmentTable());
  return sections;
}

const startMarker = (name: string) => `<!-- generated from the config schema: ${name} (scripts/write-config-docs.mjs) -->`;
const endMarker = (name: string) => `<!-- end of generated: ${name} -->`;

/** `readme` with every generated section replaced by what the schema gives; throws when a section's markers are missing. */
export function withGeneratedSections(readme: string): string {
  let text = readme;
  for (const [name, markdown] of readmeSections()) {
    const start = text.indexOf(startMarker(name));
    const end = text.indexOf(endMarker(name));
    if (start === -1 || end < start) throw new Error(`README.md has no generated section "${name}": add its two marker lines`);
    text = `${text.slice(0, start + startMarker(name).length)}\n${markdown}\n${text.slice(end)}`;
  }
  return text;
}

function keyTable(table: ReadmeTable): string {
  const json = jsonSchemaOf(table.schema);
  const properties = json.properties as Record<string, JsonSchema>;
  const required = new Set((json.required as string[] | undefined) ?? []);
  const rows = Object.entries(table.schema.shape)
    .filter(([key]) => !table.omit?.includes(key))
    .map(([key, schema]) => {
      const docs = docsOf(schema as z.ZodType);
      const node = properties[key] ?? {};
      const defaultText = docs?.defaultText ?? defaultOf(node, required.has(key));
      return `| \`${key}\` | ${docs?.typeText ?? typeOf(node)} | ${defaultText} | ${cell(String(node.description ?? ''))} |`;
    });
  return ['| key | type | default | meaning |', '| --- | --- | --- | --- |', ...rows].join('\n');
}

/** The docs of a key's schema, and of the schema it wraps (`.exactOptional()`, `.default()`) for what it leaves out. */
function docsOf(schema: z.ZodType): ConfigDocs {
  const inner = (schema._zod.def as { innerType?: z.ZodType }).innerType;
  return { ...(inner === undefined ? {} : docsOf(inner)), ...configDocs.get(schema) };
}

function environmentTable(): string {
  const rows = environmentVariables().map(({ key, variable }) => {
    const type = jsonSchemaOf(configSchema.shape[key]).type;
    return `| \`${variable}\` | \`${key}\`${type === 'object' || type === 'array' ? ' (JSON)' : ''} |`;
  });
  return ['| variable | key |', '| --- | --- |', '| `FTP_CONFIG` | the config file, when `--config` is not given |', ...rows].join('\n');
}

function defaultOf(node: JsonSchema, isRequired: boolean): string {
  if (node.default !== undefined) return code(node.default);
  return isRequired ? '**required**' : '—';
}

/** The type column: from the JSON Schema, in words. */
function typeOf(node: JsonSchema): string {
  if (Array.isArray(node.enum)) return node.enum.map(code).join(' ');
  if (node.const !== undefined) return code(node.const);
  if (Array.isArray(node.anyOf)) return (node.anyOf as JsonSchema[]).map(typeOf).join(' or ');
  switch (node.type) {
    case 'integer': {
      const minimum = node.minimum as number;
      const maximum = node.maximum as number;
      return maximum >= Number.MAX_SAFE_INTEGER ? `integer ≥ ${minimum}` : `integer ${minimum}–${maximum}`;
    }
    case 'number':
      return node.exclusiveMinimum === 0 ? 'number > 0' : 'number';
    case 'boolean':
      return 'boolean';
    case 'string':
      return node.format === 'uri' ? 'http(s) URL' : 'string';
    case 'array':
      return `list of ${typeOf(node.items as JsonSchema)}`;
    default:
      return 'object';
  }
}

function code(value: unknown): string {
  return `\`${typeof value === 'string' ? (value === '' ? '""' : value) : JSON.stringify(value)}\``;
}

function cell(text: string): string {
  return text.replaceAll('|', '\\|');
}
