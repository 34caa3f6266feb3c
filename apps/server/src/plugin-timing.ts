import type { Authenticator, StorageConnector, StorageSession } from '@ftp/plugin-api';
import type { Histogram } from 'prom-client';

type CallHistogram = Histogram<'operation' | 'result'>;

/** Storage session methods that are timed; anything else (and every property) passes through untouched. */
const timedSessionMethods = new Set([
  'stat',
  'list',
  'read',
  'write',
  'delete',
  'makeDirectory',
  'removeDirectory',
  'append',
  'rename',
  'setModifiedTime',
  'checksum',
  'setMode',
  'freeSpace',
  'close',
]);

/**
 * Wraps a storage connector so each call is observed in `histogram` (operation = method name, result ok/error). The
 * wrapper keeps the plugin's shape: an optional method it lacks is still missing, so the engine's capability checks
 * (502, FEAT) see the same plugin. `read` is timed until its stream is open, `list` until iteration ends.
 */
export function timeStorage(storage: StorageConnector, histogram: CallHistogram): StorageConnector {
  return wrap(storage, histogram, new Set(['openSession', 'checkHealth']), (operation, value) =>
    operation === 'openSession' ? timeSession(value as StorageSession, histogram) : value,
  );
}

function timeSession(session: StorageSession, histogram: CallHistogram): StorageSession {
  return wrap(session, histogram, timedSessionMethods, (_operation, value) => value);
}

/** Wraps an authenticator: `authenticate` is observed with result accepted/rejected/error, `checkHealth` ok/error. */
export function timeAuthenticator(authenticator: Authenticator, histogram: CallHistogram): Authenticator {
  return wrap(
    authenticator,
    histogram,
    new Set(['authenticate', 'checkHealth']),
    (_operation, value) => value,
    (operation, value) => (operation === 'authenticate' ? (value as { outcome: string }).outcome : 'ok'),
  );
}

function wrap<T extends object>(
  target: T,
  histogram: CallHistogram,
  timed: ReadonlySet<string>,
  transform: (operation: string, value: unknown) => unknown,
  resultOf: (operation: string, value: unknown) => string = () => 'ok',
): T {
  // Plugins are often frozen, which rules out a Proxy that returns new functions; an object inheriting from the
  // plugin, with every method bound to it, keeps data properties and private fields working.
  const wrapper = Object.create(target) as Record<string, unknown>;
  for (const name of methodNames(target)) {
    const method = (target as Record<string, unknown>)[name] as (...args: unknown[]) => unknown;
    const value = timed.has(name) ? timedMethod(target, name, method, histogram, transform, resultOf) : method.bind(target);
    // defineProperty, not assignment: a frozen prototype's read-only property would refuse an assignment.
    Object.defineProperty(wrapper, name, { value, enumerable: true });
  }
  return wrapper as T;
}

function timedMethod(
  target: object,
  operation: string,
  method: (...args: unknown[]) => unknown,
  histogram: CallHistogram,
  transform: (operation: string, value: unknown) => unknown,
  resultOf: (operation: string, value: unknown) => string,
): (...args: unknown[]) => unknown {
  return (...args: unknown[]) => {
    const stop = histogram.startTimer({ operation });
    let returned: unknown;
    try {
      returned = method.apply(target, args);
    } catch (error) {
      stop({ result: 'error' });
      throw error;
    }
    if (operation === 'list') return timeIteration(returned as AsyncIterable<unknown>, stop);
    return Promise.resolve(returned).then(
      (value) => {
        stop({ result: resultOf(operation, value) });
        return transform(operation, value);
      },
      (error: unknown) => {
        stop({ result: 'error' });
        throw error;
      },
    );
  };
}

/** Every method name of an object, own or inherited from its classes (not from Object.prototype). */
function methodNames(target: object): string[] {
  const names = new Set<string>();
  for (
    let object: object | null = target;
    object !== null && object !== Object.prototype;
    object = Object.getPrototypeOf(object) as object | null
  ) {
    for (const name of Object.getOwnPropertyNames(object)) {
      if (name === 'constructor') continue;
      const descriptor = Object.getOwnPropertyDescriptor(object, name);
      if (descriptor !== undefined && typeof descriptor.value === 'function') names.add(name);
    }
  }
  return [...names];
}

async function* timeIteration<T>(source: AsyncIterable<T>, stop: (labels: { result: string }) => void): AsyncGenerator<T> {
  let result = 'error';
  try {
    yield* source;
    result = 'ok';
  } finally {
    stop({ result });
  }
}
