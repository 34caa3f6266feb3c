export { startAdminServer, type AdminServer, type AdminServerOptions } from './admin-server.ts';
export type { AdminAccount } from './admin-login.ts';
export { openApiDocument } from './openapi.ts';
export type {
  AdminDefender,
  AdminQuotaFolder,
  AdminQuotaReport,
  AdminStatus,
  AdminTarget,
  RestartOutcome,
  WorkerStatus,
} from './admin-target.ts';
