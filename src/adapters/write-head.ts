import type { OutgoingHttpHeader, OutgoingHttpHeaders } from 'node:http';

/** The headers argument of `writeHead`: an object, or a flat list of names and values. */
export type HeadersArgument = OutgoingHttpHeaders | OutgoingHttpHeader[];

/** Where the headers are among `writeHead(statusCode, [statusMessage], [headers])`'s arguments. */
export function headersIndex(args: unknown[]): number {
  return typeof args[1] === 'object' && args[1] !== null ? 1 : 2;
}

/** The headers given to `writeHead`, if any. */
export function headersGiven(args: unknown[]): HeadersArgument | undefined {
  return args[headersIndex(args)] as HeadersArgument | undefined;
}

/** Where `name` (lower case) is in a list of names and values, or which keys of an object spell it. */
export function nameIndexes(headers: HeadersArgument, name: string): (number | string)[] {
  const keys = Array.isArray(headers)
    ? headers.flatMap((entry, index) => (index % 2 === 0 ? [[index, entry] as const] : []))
    : Object.keys(headers).map((key) => [key, key] as const);
  return keys.filter(([, key]) => typeof key === 'string' && key.toLowerCase() === name).map(([at]) => at);
}

/** The value of the last header spelling `name` (lower case) in `headers`, if any. */
export function headerValue(headers: HeadersArgument, name: string): unknown {
  const at = nameIndexes(headers, name).at(-1);
  if (at === undefined) return undefined;
  return Array.isArray(headers) ? headers[(at as number) + 1] : headers[at as string];
}
