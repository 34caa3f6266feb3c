#!/usr/bin/env node
// Writes what is generated from the config schema: the tables of README.md and the JSON Schema file that editors
// read through "$schema". It runs the built app (`npx tsc -b apps/server` first):
//
//   node apps/server/scripts/write-config-docs.mjs
//
// src/config-docs.test.ts fails when either file differs from what the schema gives.
import { readFileSync, writeFileSync } from 'node:fs';
import { configJsonSchemaText, jsonSchemaFileName, withGeneratedSections } from '../dist/config-docs.js';

const appDirectory = new URL('..', import.meta.url);
const readmeFile = new URL('README.md', appDirectory);
writeFileSync(readmeFile, withGeneratedSections(readFileSync(readmeFile, 'utf8')));
writeFileSync(new URL(jsonSchemaFileName, appDirectory), configJsonSchemaText());
console.log(`wrote README.md and ${jsonSchemaFileName}`);
