import type { SessionInfo } from '@ftp/server';
import type { AdminStatus, AdminTarget } from './admin-target.ts';

/** A session as the API shows it (the `Session` schema): times as ISO 8601, absent values as null. */
export function sessionView(session: SessionInfo) {
  const transfer = session.transfer;
  return {
    id: session.id,
    username: session.username ?? null,
    remoteAddress: session.remoteAddress,
    secure: session.secure,
    connectedAt: new Date(session.connectedAt).toISOString(),
    command: session.command ?? null,
    transfer:
      transfer === undefined
        ? null
        : {
            command: transfer.command,
            path: transfer.path,
            direction: transfer.direction,
            bytes: transfer.bytes,
            startedAt: new Date(transfer.startedAt).toISOString(),
            bytesPerSecond: transfer.bytesPerSecond,
          },
  };
}

/** The `ServerStatus` schema. */
export function serverView(status: AdminStatus, server: AdminTarget, version: string) {
  return {
    version,
    startedAt: new Date(status.startedAt).toISOString(),
    uptimeSeconds: Math.max(0, Math.floor((Date.now() - status.startedAt) / 1000)),
    listeners: status.listeners.map(({ kind, address, port }) => ({ kind, address, port })),
    sessions: status.sessions,
    passivePortsInUse: status.passivePortsInUse,
    defenderEnabled: server.defender.enabled,
    counters: { ...status.counters },
    workers:
      status.workers?.map(({ id, pid, answered, sessions, passivePortsInUse }) => ({
        id,
        pid: pid ?? null,
        answered,
        sessions,
        passivePortsInUse,
      })) ?? null,
  };
}
