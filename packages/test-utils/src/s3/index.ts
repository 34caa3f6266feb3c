export {
  startTestS3,
  listKeys,
  openUploads,
  deletePrefix,
  prefixOf,
  seedObjects,
  type TestS3,
  type TestS3Options,
} from './test-s3.ts';
