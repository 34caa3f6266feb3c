/** How a response status reads for a login or a re-validation. */
export type ResponseOutcome = 'success' | 'rejected' | 'unavailable';

/**
 * Only a configured success status logs in. The service not answering the question is an outage, never a wrong
 * password: 5xx, 408 and 429 (the service asks to retry later, RFC 9110 §15.5.9 and RFC 6585 §4), and every 3xx.
 * A redirect is never followed, because the credentials would travel to a place the operator did not configure; and
 * it is not counted as a wrong password, because the password was not checked (usually the URL is misconfigured, for
 * example http:// redirected to https://). Any other status (401, 403, 404, ...) is a rejection.
 */
export function responseOutcome(status: number, successStatuses: ReadonlySet<number>): ResponseOutcome {
  if (successStatuses.has(status)) return 'success';
  if (status >= 500 || status === 408 || status === 429 || (status >= 300 && status < 400)) return 'unavailable';
  return 'rejected';
}
