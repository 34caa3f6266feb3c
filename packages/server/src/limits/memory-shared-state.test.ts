import { runSharedStateConformance } from '@ftp/plugin-api/testing';
import { createMemorySharedState } from './memory-shared-state.ts';

runSharedStateConformance('memory', async () => ({ state: createMemorySharedState() }));
