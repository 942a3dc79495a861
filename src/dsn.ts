/**
 * Secrets out of database URLs and transport DSNs, before they are printed, logged or stored.
 *
 * Hidden, replaced by `***`:
 * - the password of the user information: everything after the first `:` of the part before the last `@`
 *   of the host part, as URL parsers and the drivers read it, so an unencoded `@` in a password
 *   (`postgres://u:p@ss@host/db`) stays hidden too. In a string no URL parser accepts (an unencoded `/`,
 *   `?` or `#` in the password), everything up to the last `@` of the whole string is taken for the user
 *   information, so that what looks like a password is hidden rather than guessed at;
 * - the value of every query parameter (or `key=value` word of a string that is not a URL) whose name,
 *   in any case and ignoring `_` and `-`, contains one of {@link SECRET_PARAMETER_WORDS}: `password`,
 *   `pass`, `sslpassword`, `sslkey`, `token`, `secret`, `auth`, `api_key`, `accessKey`…
 *
 * The user name, host, port, path and other parameters stay: they say which server is meant. A
 * certificate (`sslcert`, `sslrootcert`) is public and stays; its private key (`sslkey`) does not.
 */

const MASK = '***';

/** Parts of parameter names that mark the value as a secret (names compared lowercased, without `_`/`-`). */
const SECRET_PARAMETER_WORDS = [
  'pass',
  'pwd',
  'secret',
  'token',
  'key',
  'auth',
  'credential',
  'signature',
] as const;

/** Secrets shorter than this are not looked for in free text: they would match ordinary words. */
const MIN_SEARCHED_SECRET = 4;

const SCHEME = /^[a-z][a-z0-9+.-]*:/i;
/** `name=value` at the start, or after `?`, `&`, `;` or white space. */
const PARAMETER = /(^|[?&;\s])([^=&;\s?#]+)=([^&;\s#]*)/g;

type Span = readonly [start: number, end: number];

/** The DSN with its password and secret parameters replaced by `***`, fit for logs, errors and tables. */
export function redactDsn(dsn: string): string {
  let redacted = '';
  let from = 0;
  for (const [start, end] of secretSpans(dsn)) {
    redacted += dsn.slice(from, start) + MASK;
    from = end;
  }
  return redacted + dsn.slice(from);
}

/**
 * `text` (a driver's error message, say) with every secret of `dsns` replaced, raw, percent-encoded or
 * decoded, and every occurrence of a DSN itself replaced by its redacted form.
 */
export function redactSecretsIn(text: string, dsns: readonly string[]): string {
  let redacted = text;
  for (const dsn of dsns) {
    if (dsn === '') continue;
    redacted = redacted.split(dsn).join(redactDsn(dsn));
    for (const secret of secretForms(dsn)) redacted = redacted.split(secret).join(MASK);
  }
  return redacted;
}

/** The DSNs of a configuration: the database, the transports and the failure store. */
export function dsnsOf(config: {
  database: string;
  transport: string;
  failureTransport: string;
  transports: Record<string, string | { dsn: string }>;
}): string[] {
  const named = Object.values(config.transports).map((entry) =>
    typeof entry === 'string' ? entry : entry.dsn,
  );
  return [config.database, config.transport, config.failureTransport, ...named];
}

/** The shape of routeperf's `logger` option. */
interface Log {
  info(message: string, ...rest: unknown[]): void;
  warn(message: string, ...rest: unknown[]): void;
  error(message: string, ...rest: unknown[]): void;
}

/**
 * `logger` with the secrets of `dsns` hidden in every message, for messages that quote what a driver or a
 * broker client said.
 */
export function withoutSecrets<L extends Log>(logger: L, dsns: readonly string[]): L {
  const hiding =
    (log: Log[keyof Log]) =>
    (message: string, ...rest: unknown[]) =>
      log.call(logger, redactSecretsIn(String(message), dsns), ...rest);
  return { ...logger, info: hiding(logger.info), warn: hiding(logger.warn), error: hiding(logger.error) };
}

function secretForms(dsn: string): string[] {
  const forms = secretSpans(dsn).flatMap(([start, end]) => {
    const raw = dsn.slice(start, end);
    const decoded = decoding(raw);
    return [raw, decoded, encodeURIComponent(decoded)];
  });
  // Longest first: a secret containing another must be replaced whole.
  return [...new Set(forms)]
    .filter((form) => form.length >= MIN_SEARCHED_SECRET)
    .sort((a, b) => b.length - a.length);
}

/** Where the secrets of `dsn` are, in order and without overlaps. */
function secretSpans(dsn: string): Span[] {
  const schemeEnd = SCHEME.exec(dsn)?.[0].length ?? 0;
  const hierarchical = dsn.startsWith('//', schemeEnd);
  const start = hierarchical ? schemeEnd + 2 : schemeEnd;
  const userEnd = /^sqlite:/i.test(dsn) ? -1 : userInformationEnd(dsn, start, hierarchical);
  const spans: Span[] = [];
  if (userEnd !== -1) {
    // Without `//` the "scheme" may be a user name (`user:pass@host`): the password starts after it.
    const colon = dsn.indexOf(':', hierarchical ? start : 0);
    if (colon !== -1 && colon < userEnd) spans.push([colon + 1, userEnd]);
  }
  const rest = userEnd === -1 ? start : userEnd;
  const query = hierarchical ? dsn.indexOf('?', rest) : rest;
  if (query === -1) return spans;
  for (const match of dsn.slice(query).matchAll(PARAMETER)) {
    const [, separator, name, value] = match as unknown as [string, string, string, string];
    if (value === '' || !isSecretName(name)) continue;
    const valueStart = query + match.index + separator.length + name.length + 1;
    spans.push([valueStart, valueStart + value.length]);
  }
  return spans;
}

/**
 * The index of the `@` that ends the user information, or -1. With `//`, URL parsers end the host part
 * at the first `/`, `?` or `#` and split it at its last `@`; when the string is not a URL they accept,
 * the last `@` anywhere. Without `//` (`user:pass@host` missing its scheme), the last `@` before any
 * white space or `=`: key=value strings are handled by name.
 */
function userInformationEnd(dsn: string, start: number, hierarchical: boolean): number {
  if (!hierarchical) {
    const word = /^[^\s=]*/.exec(dsn.slice(start))![0];
    return word.includes('@') ? start + word.lastIndexOf('@') : -1;
  }
  if (URL.canParse(dsn)) {
    const hostEnd = dsn.slice(start).search(/[/?#]/);
    const end = hostEnd === -1 ? dsn.length : start + hostEnd;
    const at = dsn.lastIndexOf('@', end - 1);
    return at >= start ? at : -1;
  }
  const at = dsn.lastIndexOf('@');
  return at >= start ? at : -1;
}

function isSecretName(name: string): boolean {
  const normalized = decoding(name).toLowerCase().replace(/[_-]/g, '');
  return SECRET_PARAMETER_WORDS.some((word) => normalized.includes(word));
}

function decoding(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}
