import { z } from 'zod';
import { exFtpAuthenticatorOptionKeys, exFtpAuthenticators, exFtpStorageConnectors, exFtpTopLevelKeys } from './config-ex-ftp.ts';
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
  adminSchema,
  anonymousSchema,
  configSchema,
  defenderSchema,
  sharedStateConfigSchema,
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
 * connector when none is named); the config of a plugin from a package is left open. ex_ftp's keys and module names
 * are accepted as the loader accepts them, marked deprecated so editors point to the native spelling.
 */
export function configJsonSchema(): JsonSchema {
  const { properties, required, additionalProperties, ...rest } = jsonSchemaOf(configSchema);
  const definitions: Record<string, JsonSchema> = {};
  return {
    $schema: 'http://json-schema.org/draft-07/schema#',
    title: 'ftp-server configuration',
    description: 'The config file of ftp-server. Keys left out take the defaults shown.',
    ...rest,
    properties: withExFtpKeys(properties as Record<string, JsonSchema>, exFtpTopLevelKeys),
    required,
    additionalProperties,
    allOf: [
      ...pluginConditions(definitions, {
        kind: 'authenticator',
        nameKeys: ['authenticator'],
        configKeys: ['authenticatorConfig', 'authenticator_config'],
        schemas: builtInAuthenticatorSchemas,
        modules: exFtpAuthenticators,
        optionKeys: exFtpAuthenticatorOptionKeys,
      }),
      ...pluginConditions(definitions, {
        kind: 'storage',
        nameKeys: ['storageConnector', 'storage_connector'],
        configKeys: ['storageConfig', 'storage_config'],
        schemas: builtInStorageSchemas,
        modules: exFtpStorageConnectors,
        optionKeys: {},
        defaultName: 'fs',
      }),
    ],
    definitions,
  };
}

/** The JSON Schema file's text. */
export function configJsonSchemaText(): string {
  return `${JSON.stringify(configJsonSchema(), null, 2)}\n`;
}

/** How the config names a kind of plugin and gives its options, and what ex_ftp calls them. */
interface PluginKeys {
  /** The prefix of the options' names in `definitions`. */
  readonly kind: string;
  /** The key naming the plugin, then ex_ftp's spelling of it if different. */
  readonly nameKeys: readonly string[];
  /** The key of its options, then ex_ftp's. */
  readonly configKeys: readonly string[];
  readonly schemas: Readonly<Record<string, z.ZodType>>;
  /** ex_ftp's module names and the built-in each is. */
  readonly modules: Readonly<Record<string, string>>;
  /** ex_ftp's option keys by built-in name. */
  readonly optionKeys: Readonly<Record<string, Readonly<Record<string, string>>>>;
  /** The built-in used when no name is given. */
  readonly defaultName?: string;
}

/**
 * `if the plugin named is one of these then its options are these`, one condition per distinct options schema; the
 * options go into `definitions` once, named after the plugin (`authenticator-local`), as both spellings of the key use them.
 */
function pluginConditions(definitions: Record<string, JsonSchema>, plugin: PluginKeys): JsonSchema[] {
  const namesBySchema = new Map<z.ZodType, string[]>();
  for (const [name, schema] of Object.entries(plugin.schemas)) namesBySchema.set(schema, [...(namesBySchema.get(schema) ?? []), name]);
  return [...namesBySchema].map(([schema, nativeNames]) => {
    const moduleNames = Object.keys(plugin.modules).filter((moduleName) => nativeNames.includes(plugin.modules[moduleName]!));
    const names = [...nativeNames, ...moduleNames];
    const named = plugin.nameKeys.map((key) => ({
      properties: { [key]: names.length === 1 ? { const: names[0] } : { enum: names } },
      required: [key],
    }));
    const unnamed = { not: { anyOf: plugin.nameKeys.map((key) => ({ required: [key] })) } };
    const isDefault = plugin.defaultName !== undefined && nativeNames.includes(plugin.defaultName);
    const branches = isDefault ? [...named, unnamed] : named;
    const exFtpOptionKeys = Object.assign({}, ...nativeNames.map((name) => plugin.optionKeys[name] ?? {}));
    const definition = `${plugin.kind}-${nativeNames[0]}`;
    definitions[definition] = withExFtpOptionKeys(jsonSchemaOf(schema), exFtpOptionKeys);
    const options = { $ref: `#/definitions/${definition}` };
    const condition = branches.length === 1 ? branches[0]! : { anyOf: branches };
    // biome-ignore lint/suspicious/noThenProperty: "then" is the JSON Schema keyword (draft-07 if/then), not a thenable.
    return { if: condition, then: { properties: Object.fromEntries(plugin.configKeys.map((key) => [key, options])) } };
  });
}

/** `properties` with ex_ftp's spellings beside the native ones, deprecated, so editors complete the native one. */
function withExFtpKeys(
  properties: Readonly<Record<string, JsonSchema>>,
  exFtpKeys: Readonly<Record<string, string>>,
): Record<string, JsonSchema> {
  const result: Record<string, JsonSchema> = { ...properties };
  for (const [exFtpKey, nativeKey] of Object.entries(exFtpKeys)) {
    if (properties[nativeKey] === undefined) continue;
    // No default of its own: the native key's default applies when neither is given.
    const { default: _default, ...native } = properties[nativeKey];
    result[exFtpKey] = {
      ...native,
      description: `ex_ftp's name for \`${nativeKey}\`: read as it, with a warning`,
      deprecated: true,
      deprecationMessage: `ex_ftp's name: write "${nativeKey}"`,
    };
  }
  return result;
}

/** An options schema that also takes ex_ftp's keys; a required key may be given in either spelling. */
function withExFtpOptionKeys(options: JsonSchema, exFtpKeys: Readonly<Record<string, string>>): JsonSchema {
  if (Object.keys(exFtpKeys).length === 0) return options;
  const { required, ...rest } = options;
  const requiredKeys = (required as string[] | undefined) ?? [];
  const eitherSpelling = requiredKeys.flatMap((key) => {
    const exFtpKey = Object.keys(exFtpKeys).find((candidate) => exFtpKeys[candidate] === key);
    return exFtpKey === undefined ? [] : [{ anyOf: [{ required: [key] }, { required: [exFtpKey] }] }];
  });
  const stillRequired = requiredKeys.filter((key) => !Object.values(exFtpKeys).includes(key));
  return {
    ...rest,
    properties: withExFtpKeys(options.properties as Record<string, JsonSchema>, exFtpKeys),
    ...(stillRequired.length === 0 ? {} : { required: stillRequired }),
    ...(eitherSpelling.length === 0 ? {} : { allOf: eitherSpelling }),
  };
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
  { name: 'shared-state', schema: sharedStateConfigSchema },
  { name: 'anonymous', schema: anonymousSchema },
  { name: 'tls', schema: tlsSchema },
  { name: 'webhooks', schema: webhooksSchema },
  { name: 'pre-upload-hook', schema: preUploadHookSchema },
  { name: 'admin', schema: adminSchema },
  { name: 'proxy-protocol', schema: proxyProtocolSchema },
];

/** The generated sections of README.md by marker name, as markdown. */
export function readmeSections(): ReadonlyMap<string, string> {
  const sections = new Map(readmeTables.map((table) => [table.name, keyTable(table)]));
  sections.set('environment', environmentTable());
  sections.set('ex-ftp-names', exFtpNamesTable());
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

/** ex_ftp's spellings and the native ones they are read as. */
function exFtpNamesTable(): string {
  const httpKeys = exFtpAuthenticatorOptionKeys['http-basic'] ?? {};
  const pairs = [
    ...Object.entries(exFtpTopLevelKeys).map(([exFtpKey, nativeKey]) => [exFtpKey, nativeKey, '']),
    ...Object.entries(exFtpAuthenticatorOptionKeys.webhook ?? {}).map(([exFtpKey, nativeKey]) => [
      `authenticator_config.${exFtpKey}`,
      `authenticatorConfig.${nativeKey}`,
      Object.hasOwn(httpKeys, exFtpKey) ? '' : ' (`webhook` only)',
    ]),
    ...Object.entries(exFtpAuthenticators).map(([moduleName, nativeName]) => [
      `authenticator: ${moduleName}`,
      `"authenticator": "${nativeName}"`,
      '',
    ]),
    ...Object.entries(exFtpStorageConnectors).map(([moduleName, nativeName]) => [
      `storage_connector: ${moduleName}`,
      `"storageConnector": "${nativeName}"`,
      '',
    ]),
  ];
  const rows = pairs.map(([exFtp, native, note]) => `| \`${exFtp}\` | \`${native}\`${note} |`);
  return ['| ex_ftp | ftp-server |', '| --- | --- |', ...rows].join('\n');
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
