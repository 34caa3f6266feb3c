import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { configJsonSchema, configJsonSchemaText, jsonSchemaFileName, readmeSections, withGeneratedSections } from './config-docs.ts';
import { builtInAuthenticatorSchemas, builtInStorageSchemas } from './config-plugin-schemas.ts';
import { configSchema } from './config-schema.ts';

// README.md and the JSON Schema file say what the schema says: regenerate them with
// `npx tsc -b apps/server && node apps/server/scripts/write-config-docs.mjs` when a test here fails.

const appFile = (name: string) => readFileSync(new URL(`../${name}`, import.meta.url), 'utf8');

describe('README.md', () => {
  it('has every generated table as the schema gives it', () => {
    const readme = appFile('README.md');
    expect(withGeneratedSections(readme)).toBe(readme);
  });

  it('lists every top-level key and every environment variable', () => {
    const keys = readmeSections().get('config-keys') ?? '';
    for (const key of Object.keys(configSchema.shape).filter((name) => !name.startsWith('$'))) expect(keys).toContain(`| \`${key}\` |`);
    expect(readmeSections().get('environment')).toContain('| `USER_DEFAULTS` | `userDefaults` (JSON) |');
  });

  it('refuses a README whose markers are missing instead of leaving a table out', () => {
    expect(() => withGeneratedSections('# ftp-server\n')).toThrow(/no generated section "config-keys"/);
  });
});

describe(jsonSchemaFileName, () => {
  it('is the JSON Schema the config schema gives', () => {
    expect(appFile(jsonSchemaFileName)).toBe(configJsonSchemaText());
  });

  it('refuses unknown keys in every object whose keys it lists', () => {
    const open: string[] = [];
    const visit = (node: unknown, path: string): void => {
      if (Array.isArray(node)) return node.forEach((item, index) => visit(item, `${path}[${index}]`));
      if (typeof node !== 'object' || node === null) return;
      const schema = node as Record<string, unknown>;
      if (schema.type === 'object' && schema.properties !== undefined && schema.additionalProperties !== false) open.push(path);
      for (const [keyword, child] of Object.entries(schema)) visit(child, `${path}.${keyword}`);
    };
    visit(configJsonSchema(), '');
    expect(open).toEqual([]);
  });

  it('gives authenticatorConfig and storageConfig the options of each built-in plugin', () => {
    const schema = configJsonSchema() as { allOf: unknown[]; definitions: Record<string, unknown> };
    const conditions = JSON.stringify(schema.allOf);
    for (const name of [...Object.keys(builtInAuthenticatorSchemas), ...Object.keys(builtInStorageSchemas)]) {
      expect(conditions).toContain(`"${name}"`);
    }
    const references = [...conditions.matchAll(/"#\/definitions\/([\w-]+)"/g)].map((match) => match[1]);
    expect(new Set(references)).toEqual(new Set(Object.keys(schema.definitions)));
    expect(Object.keys(schema.definitions)).toEqual([
      'authenticator-no-auth',
      'authenticator-passthrough',
      'authenticator-local',
      'authenticator-http-basic',
      'authenticator-webhook',
      'storage-fs',
      'storage-s3',
    ]);
  });
});

describe('config.example.json', () => {
  it('names the JSON Schema file next to it', () => {
    expect(JSON.parse(appFile('config.example.json')).$schema).toBe(`./${jsonSchemaFileName}`);
  });
});
