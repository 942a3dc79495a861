/**
 * The `html` tagged template the pages are written with. Every interpolated value is escaped unless it is
 * markup this module made (`SafeHtml`): route names, paths and whatever else comes from the database or
 * the request are text, never markup. A value at the start of a URL attribute (`href`, `src`, `action`)
 * must also be a path of this site or an http(s) URL; anything else (`javascript:`, `data:`, `//host`)
 * becomes `#`.
 */

/** Markup made by `html` (or `jsonScript`): inserted as it is by other templates. */
export class SafeHtml {
  constructor(readonly value: string) {}

  toString(): string {
    return this.value;
  }
}

/** What a template may interpolate; lists are rendered one item after another. */
export type Interpolation =
  | SafeHtml
  | string
  | number
  | boolean
  | null
  | undefined
  | readonly Interpolation[];

const ESCAPES: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
  '`': '&#96;',
};

/** Text made safe in element content and in quoted or unquoted attribute values. */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"'`]/g, (char) => ESCAPES[char]!);
}

/**
 * The URL attribute the output ends in, if any, with what its value holds so far. A URL whose scheme
 * part is still open (nothing but letters yet) is checked again with the next value appended.
 */
const URL_ATTRIBUTE = /\s(?:href|src|action|formaction|poster|cite)\s*=\s*["']?([^"'\s>]*)$/i;

/** A path of this site (`/x`, `?q`, `#id`) or an absolute http(s) URL, without control characters. */
const SAFE_URL = /^(?:\/(?![/\\])|[?#]|https?:\/\/)/i;

/** `url` when it is safe where a URL attribute starts, else `#`. */
export function safeUrl(url: string): string {
  // Browsers drop tabs and line breaks inside URLs, so `/\t/host` would become `//host`.
  return SAFE_URL.test(url) && !/[\p{Cc}]/u.test(url) ? url : '#';
}

function render(value: Interpolation): string {
  if (value === null || value === undefined || value === false) return '';
  if (value instanceof SafeHtml) return value.value;
  if (Array.isArray(value)) return value.map((item) => render(item)).join('');
  return escapeHtml(String(value));
}

/** The value rendered where the output ends: inside a URL attribute's scheme part, it must be safe. */
function renderAt(output: string, value: Interpolation): string {
  const attribute = URL_ATTRIBUTE.exec(output.slice(-200));
  const text = render(value);
  if (!attribute || /[/?#:&]/.test(attribute[1]!)) return text;
  const written = attribute[1]!;
  // An empty value (a dashboard mounted at the root) leaves the decision to what follows it.
  if (!written) return text === '' ? '' : safeUrl(text);
  // A relative URL the template started (`page`): this value must not turn its start into a scheme.
  return /^[a-z][a-z0-9+.-]*:/i.test(written + text) || /[\p{Cc}]/u.test(text) ? '' : text;
}

/** A template whose interpolations are escaped (see the module's comment). */
export function html(strings: TemplateStringsArray, ...values: Interpolation[]): SafeHtml {
  let output = strings[0]!;
  values.forEach((value, index) => {
    output += renderAt(output, value) + strings[index + 1]!;
  });
  return new SafeHtml(output);
}

/** Markup of ours given as a string, such as an entity: never pass text from outside. */
export function trusted(markup: string): SafeHtml {
  return new SafeHtml(markup);
}

/**
 * Data for the client script, in a `<script type="application/json">` block: the browser never runs it
 * (the CSP allows it for that reason), and `<`, `>`, `&` and line separators are escaped so that no value
 * can close the block.
 */
export function jsonScript(id: string, data: unknown): SafeHtml {
  const json = JSON.stringify(data).replace(
    /[<>&\u2028\u2029]/g,
    (char) => `\\u${char.charCodeAt(0).toString(16).padStart(4, '0')}`,
  );
  return html`<script type="application/json" id="${id}">${trusted(json)}</script>`;
}
