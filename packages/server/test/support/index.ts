export { startServer, connectClient, sha256, nextEvent, type StartedServer } from './server.ts';
export { uploadBuffer, downloadBuffer } from './transfers.ts';
