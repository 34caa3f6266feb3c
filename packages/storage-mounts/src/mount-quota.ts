import { InvalidOptionError, type MountQuota } from '@ftp/plugin-api';

const quotaKeys = ['folder', 'maxBytes', 'maxFiles'];

/**
 * A mount's `quota` option, checked: `{ folder, maxBytes?, maxFiles? }` with a non-empty folder name and limits that
 * are non-negative safe integers. An unknown key is refused too, since a misspelt limit would leave the folder
 * without the limit the operator meant. Throws `InvalidOptionError` naming the key under `option`.
 */
export function checkedMountQuota(value: unknown, option: string): MountQuota | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new InvalidOptionError(option, 'a quota is { folder, maxBytes?, maxFiles? }');
  }
  const unknownKey = Object.keys(value).find((key) => !quotaKeys.includes(key));
  if (unknownKey !== undefined) {
    throw new InvalidOptionError(`${option}.${unknownKey}`, `is not an option of a quota (${quotaKeys.join(', ')})`);
  }
  const { folder, maxBytes, maxFiles } = value as Record<string, unknown>;
  if (typeof folder !== 'string' || folder === '') {
    throw new InvalidOptionError(`${option}.folder`, "must be a non-empty string, the name of the quota's account");
  }
  return { folder, ...limit('maxBytes', maxBytes, option), ...limit('maxFiles', maxFiles, option) };
}

function limit(key: 'maxBytes' | 'maxFiles', value: unknown, option: string): Partial<Record<typeof key, number>> {
  if (value === undefined) return {};
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 0) {
    throw new InvalidOptionError(`${option}.${key}`, 'must be a non-negative integer');
  }
  return { [key]: value };
}

type Limits = Pick<MountQuota, 'maxBytes' | 'maxFiles'>;

/** True when two quotas of one account agree on its limits. */
export function sameLimits(a: Limits, b: Limits): boolean {
  return a.maxBytes === b.maxBytes && a.maxFiles === b.maxFiles;
}

/**
 * True when the folder name `template` ("archive-{user}", "team") is the account `name` for some user: equal
 * without "{user}", or equal once "{user}" is replaced by one user name that can be a path segment.
 */
export function namesFolder(template: string, name: string): boolean {
  const parts = template.split('{user}');
  const occurrences = parts.length - 1;
  if (occurrences === 0) return template === name;
  const userNameLength = (name.length - (template.length - occurrences * '{user}'.length)) / occurrences;
  if (!Number.isInteger(userNameLength) || userNameLength < 1) return false;
  const start = parts[0]?.length ?? 0;
  const username = name.slice(start, start + userNameLength);
  return isPathSegment(username) && template.replaceAll('{user}', username) === name;
}

/** True for a user name that can stand for "{user}" in a path: one segment, not "." or "..". */
export function isPathSegment(username: string): boolean {
  return username !== '' && username !== '.' && username !== '..' && !/[/\\\0]/.test(username);
}
