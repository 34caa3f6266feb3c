export { startAdminServer, type AdminServer, type AdminServerOptions } from './admin-server.ts';
export type { AdminAccount } from './admin-login.ts';
export { openApiDocument } from './openapi.ts';
