/**
 * `@ftp/server/testing`: tools for testing plugins and integrations without a real storage or a control socket.
 * - `createMemoryStorage`: the reference in-memory storage connector (it passes the storage contract kit).
 * - `createSessionHarness`: drives one session line by line and collects its replies (data connections are real,
 *   on loopback).
 */
export { createMemoryStorage, type MemoryStorageOptions, type MemoryStorageCapability } from './memory-storage.ts';
export { createSessionHarness, type SessionHarness, type SessionHarnessOptions } from './session-harness.ts';
