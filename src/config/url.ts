/**
 * Why `value` is not a URL that the database drivers and broker clients can read (they all parse it with
 * the WHATWG URL parser), or undefined when it is one. Caught here, it is a configuration error that names
 * the key, instead of a failure on first use that looks like an outage.
 */
export function urlProblem(value: string): string | undefined {
  try {
    new URL(value);
    return undefined;
  } catch {
    const port = writtenPort(value);
    if (port !== undefined && !(/^\d+$/.test(port) && Number(port) <= 65_535)) {
      return `the port must be a number from 0 to 65535, not ${JSON.stringify(port)}`;
    }
    return 'a character such as @ : / ? # in a user name or password must be percent-encoded';
  }
}

/** The port as written after the host (`host:port`, `[::1]:port`), past any user name and password. */
function writtenPort(value: string): string | undefined {
  const authority = /^[a-z][a-z0-9+.-]*:\/\/(.*)$/is.exec(value)?.[1];
  if (authority === undefined) return undefined;
  const host = authority.slice(authority.lastIndexOf('@') + 1);
  return /^(?:\[[^\]]*\]|[^:/?#]*):([^/?#]*)/.exec(host)?.[1];
}
