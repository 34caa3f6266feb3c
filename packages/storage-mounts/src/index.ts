export { createMountedStorage, type MountedStorageOptions, type MountOptions } from './mounted-storage.ts';
