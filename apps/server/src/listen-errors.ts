/** A listener could not bind its port or address; the message names the config key, the value and what to do. */
export class ListenError extends Error {
  /** The config key at fault (`ftpPort`, `implicitFtpsPort`, `metricsPort`, `ftpAddr`, `metricsAddr`). */
  readonly key: string;

  constructor(key: string, message: string, cause: unknown) {
    super(message, { cause });
    this.name = 'ListenError';
    this.key = key;
  }
}

export interface PortKey {
  readonly key: string;
  readonly port: number | undefined;
}

/**
 * Runs `listen`; when it fails to bind, closes what was already opened (`cleanUp`) and throws a `ListenError` that
 * names the config key whose port or address failed. Other errors pass through unchanged.
 */
export async function listenOrExplain<T>(
  listen: () => Promise<T>,
  ports: readonly PortKey[],
  address: { readonly key: string; readonly address: string },
  cleanUp: () => Promise<unknown>,
): Promise<T> {
  try {
    return await listen();
  } catch (error) {
    const explained = explainListenError(error, ports, address);
    if (explained === undefined) throw error;
    await cleanUp().catch(() => undefined);
    throw explained;
  }
}

function explainListenError(
  error: unknown,
  ports: readonly PortKey[],
  address: { readonly key: string; readonly address: string },
): ListenError | undefined {
  const { code, port } = error as { code?: unknown; port?: unknown };
  // The keys whose port failed; two keys on one port can only mean the second listener hit the first.
  const matching = ports.filter((candidate) => candidate.port === port);
  const [first = ports[0]!] = matching;
  const portName =
    matching.length > 1 ? `${matching.map((candidate) => candidate.key).join(' and ')} are both ${port}` : `${first.key} ${port}`;
  const on = `${address.key} ${address.address}`;
  switch (code) {
    case 'EADDRINUSE':
      return new ListenError(
        first.key,
        matching.length > 1
          ? `${portName} (EADDRINUSE): give each listener its own port`
          : `${portName} on ${on} is in use (EADDRINUSE): choose another port or stop the process using it`,
        error,
      );
    case 'EACCES':
      return new ListenError(
        first.key,
        `${portName} on ${on} needs privileges (EACCES): use a port above 1023 or grant CAP_NET_BIND_SERVICE`,
        error,
      );
    case 'EADDRNOTAVAIL':
      return new ListenError(address.key, `${on} is not an address of this machine (EADDRNOTAVAIL)`, error);
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return new ListenError(address.key, `${on} does not resolve to an address (${code})`, error);
    default:
      return undefined;
  }
}
