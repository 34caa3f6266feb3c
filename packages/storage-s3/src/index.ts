export { createS3Storage, createStorageConnector, type StorageConnectorEnvironment } from './s3-storage.ts';
export type { S3StorageOptions, S3Credentials } from './s3-options.ts';
