// The throwaway PostgreSQL server of the tests lives in @ftp/test-utils, shared with the app's scale-out test.
export * from '@ftp/test-utils/postgres';
