import { runStorageConformance } from '@ftp/plugin-api/testing';
import { createMemoryStorage } from '../src/index.ts';

// Every test gets a fresh connector, so every test starts with empty storage.
runStorageConformance('memory example', async () => ({ connector: createMemoryStorage({ maxBytes: 256 * 1024 * 1024 }) }));
