export {
  createDummyPasswordHash,
  formatPasswordHash,
  hashPassword,
  parsePasswordHash,
  verifyParsedPassword,
  verifyPassword,
  type ParsedPasswordHash,
  type PasswordHashOptions,
} from './scrypt-password.ts';
