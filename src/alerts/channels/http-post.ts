/** The most of a refusing receiver's answer that an error quotes: enough for Slack's `invalid_blocks`. */
const QUOTED_BODY_CHARS = 200;

/**
 * POSTs a JSON `body` to `url` and resolves once the receiver answered 2xx; stops when `signal` aborts.
 *
 * Errors name the receiver by scheme and host only: the path of a Slack or Teams webhook URL is the secret
 * that lets anyone post to the channel, and errors end up in logs.
 */
export async function postJson(
  url: string,
  body: string,
  headers: Readonly<Record<string, string>>,
  signal: AbortSignal,
): Promise<void> {
  if (!URL.canParse(url)) throw new Error('Cannot POST the alert: the channel URL is not a valid URL');
  const target = new URL(url);
  const sending = new Headers(headers);
  sending.set('content-type', 'application/json');
  moveCredentialsToHeader(target, sending);
  let answer: string;
  let response: Response;
  try {
    response = await fetch(target, { method: 'POST', headers: sending, body, signal });
    answer = await response.text();
  } catch (error) {
    throw new Error(withoutPath(`POST to ${target.origin} failed: ${reasonOf(error)}`, target), {
      cause: error,
    });
  }
  if (response.ok) return;
  const quoted = answer.length > QUOTED_BODY_CHARS ? `${answer.slice(0, QUOTED_BODY_CHARS)}…` : answer;
  const status = `${response.status} ${response.statusText}`.trim();
  throw new Error(withoutPath(`POST to ${target.origin} answered ${status}: ${quoted}`, target));
}

/**
 * `https://user:password@host/…` as curl reads it, Basic authentication: fetch refuses a URL with
 * credentials, and its error would quote them.
 */
function moveCredentialsToHeader(url: URL, headers: Headers): void {
  if (url.username === '' && url.password === '') return;
  const credentials = `${decodeURIComponent(url.username)}:${decodeURIComponent(url.password)}`;
  headers.set('authorization', `Basic ${Buffer.from(credentials).toString('base64')}`);
  url.username = '';
  url.password = '';
}

/** What fetch says went wrong, with its cause: "fetch failed" alone does not say that a host was refused. */
function reasonOf(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  const cause = error instanceof Error && error.cause instanceof Error ? `: ${error.cause.message}` : '';
  return message + cause;
}

/** `text` without the URL's path and query, should a client or receiver have quoted them. */
function withoutPath(text: string, url: URL): string {
  const secret = url.pathname + url.search + url.hash;
  return secret.length > 1 ? text.split(secret).join('/…') : text;
}
