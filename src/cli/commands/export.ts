import { once } from 'node:events';
import { createWriteStream } from 'node:fs';
import type { Writable } from 'node:stream';
import { BYTE_ORDER_MARK, csvRow } from '../../dashboard/csv.js';
import { type Column, RECORD_COLUMNS, ROUTE_COLUMNS } from '../../dashboard/exports.js';
import { plural } from '../../routeperf/count-text.js';
import { internalsOf } from '../../routeperf/internals.js';
import type { Routeperf } from '../../routeperf.js';
import type { AccessRecord, RouteSummary } from '../../store/reads.js';
import { defineCommand } from '../command.js';
import { cliLayer, withReadOnlyRouteperf } from '../open.js';
import { progressBar, showsProgress } from '../progress.js';
import { TIME_WINDOW_OPTIONS, timeWindowOf } from '../time-window.js';
import { didYouMean, listOf, usageError } from '../usage-error.js';
import { httpMethod, nonEmpty, oneOf, wholeNumber } from '../values.js';

const LISTINGS = ['routes', 'records'] as const;
type Listing = (typeof LISTINGS)[number];
type Format = 'csv' | 'json';

/** Access records read per query: one batch is all an export holds at a time. */
const RECORD_BATCH = 1000;

/**
 * Rows written one at a time, waiting whenever the file (or the pipe) is behind. A reader that goes away
 * (a pipe into `head`) ends the export quietly, as it would any Unix tool's; any other write error stops it.
 */
class RowWriter<T> {
  #rows = 0;
  #failure: NodeJS.ErrnoException | undefined;

  constructor(
    private readonly out: Writable,
    private readonly format: Format,
    private readonly columns: readonly Column<T>[],
  ) {
    out.on('error', (error: NodeJS.ErrnoException) => {
      this.#failure ??= error;
    });
  }

  get rows(): number {
    return this.#rows;
  }

  /** The reader closed its end: nothing more is wanted. */
  get abandoned(): boolean {
    return this.#failure?.code === 'EPIPE';
  }

  async start() {
    if (this.format === 'csv')
      await this.#write(`${BYTE_ORDER_MARK}${csvRow(this.columns.map(([name]) => name))}\r\n`);
    else await this.#write('[');
  }

  /** One batch, as one write: a write per row costs the file stream more than the rows' text. */
  async write(rows: readonly T[]) {
    let text = '';
    for (const row of rows) {
      if (this.format === 'csv') text += `${csvRow(this.columns.map(([, value]) => value(row)))}\r\n`;
      else text += `${this.#rows === 0 ? '\n' : ',\n'}${JSON.stringify(row)}`;
      this.#rows++;
    }
    await this.#write(text);
  }

  async end() {
    if (this.format === 'json') await this.#write(this.#rows === 0 ? ']\n' : '\n]\n');
    if (this.out === process.stdout || this.abandoned) return;
    this.out.end();
    await once(this.out, 'finish');
  }

  async #write(text: string) {
    if (this.#failure === undefined && !this.out.write(text)) {
      await new Promise<void>((resolve) => {
        const resume = () => {
          this.out.off('drain', resume).off('error', resume);
          resolve();
        };
        this.out.on('drain', resume).on('error', resume);
      });
    }
    if (this.#failure && !this.abandoned) throw this.#failure;
  }
}

export const exportCommand = defineCommand({
  name: 'export',
  summary: 'Write the routes, or every stored request, to a CSV or JSON file',
  details: [
    'records: the access records (accessRecords.enabled) the filters match, oldest first, read a thousand',
    'at a time, so that an export of millions of requests takes the memory of one thousand. routes: the',
    'routes over the window, as `routeperf routes` reports them. CSV cells that a spreadsheet would run',
    'as a formula (= + - @) are written as text. A progress bar shows on a terminal when --output is a file.',
  ].join('\n'),
  positionals: [
    { name: 'listing', required: true, description: 'routes or records', usage: '<routes|records>' },
  ],
  options: {
    format: { type: 'string', value: '<csv|json>', description: 'File format (default: csv)' },
    output: { type: 'string', value: '<file>', description: 'File to write (default: standard output)' },
    environment: { type: 'string', value: '<name>', description: 'Environment (default: the current one)' },
    ...TIME_WINDOW_OPTIONS,
    route: { type: 'string', value: '<template>', description: 'Only this route template' },
    method: { type: 'string', value: '<method>', description: 'Only this HTTP method' },
    status: { type: 'string', value: '<code>', description: 'Only this status code (records)' },
  },
  examples: [
    'routeperf export records --since 7d --format csv --output requests.csv',
    'routeperf export routes --since 24h --format json > routes.json',
    'routeperf export records --route /users/:id --status 500 --output errors.csv',
  ],
  async run(values, [given]) {
    const listing = listingOf(given!);
    const format = oneOf('format', values.format, ['csv', 'json'] as const) ?? 'csv';
    const { since, until } = timeWindowOf(values, Date.now());
    const environment = nonEmpty('environment', values.environment);
    const status = wholeNumber('status', values.status, { min: 100, max: 599 });
    if (listing === 'routes' && status !== undefined)
      throw usageError('--status: filters records; export routes takes --route, --method and the window');
    const query = {
      environment,
      since: since?.at,
      until: until?.at,
      method: httpMethod('method', values.method),
      route: nonEmpty('route', values.route),
      status,
    };
    const output = nonEmpty('output', values.output);
    await withReadOnlyRouteperf(cliLayer(values), async (routeperf) => {
      const out = output === undefined ? process.stdout : await openFile(output);
      const written =
        listing === 'routes'
          ? await exportRoutes(routeperf, query, new RowWriter(out, format, ROUTE_COLUMNS))
          : await exportRecords(
              routeperf,
              query,
              new RowWriter(out, format, RECORD_COLUMNS),
              output !== undefined,
            );
      if (output !== undefined)
        process.stdout.write(
          `Wrote ${plural(written, listing === 'routes' ? 'route' : 'access record')} to ${output}.\n`,
        );
    });
  },
});

interface ExportQuery {
  environment?: string;
  since?: Date;
  until?: Date;
  method?: string;
  route?: string;
  status?: number;
}

function listingOf(given: string): Listing {
  if ((LISTINGS as readonly string[]).includes(given)) return given as Listing;
  throw usageError(
    `<listing>: expected ${listOf(LISTINGS)}, got ${JSON.stringify(given)}${didYouMean(given, LISTINGS)}`,
  );
}

async function exportRoutes(
  routeperf: Routeperf,
  { status: _records, ...query }: ExportQuery,
  writer: RowWriter<RouteSummary>,
): Promise<number> {
  const routes = await routeperf.routes({ ...query, sort: 'route' });
  await writer.start();
  await writer.write(routes);
  await writer.end();
  return writer.rows;
}

async function exportRecords(
  routeperf: Routeperf,
  query: ExportQuery,
  writer: RowWriter<AccessRecord>,
  showProgress: boolean,
): Promise<number> {
  const total =
    showProgress && showsProgress() ? (await routeperf.accessRecords({ ...query, limit: 0 })).total : 0;
  const bar = progressBar('Exporting access records', total);
  try {
    await writer.start();
    for await (const batch of internalsOf(routeperf).store.accessRecordBatches(query, RECORD_BATCH)) {
      await writer.write(batch);
      if (writer.abandoned) break;
      bar.update(writer.rows);
    }
    await writer.end();
  } finally {
    bar.stop();
  }
  return writer.rows;
}

/** The output file, created or emptied; a folder that does not exist is the user's to make. */
async function openFile(path: string): Promise<Writable> {
  const file = createWriteStream(path);
  await new Promise<void>((resolve, reject) => {
    file.once('open', () => resolve());
    file.once('error', (error: NodeJS.ErrnoException) => {
      const reason = error.code === 'ENOENT' ? 'its folder does not exist' : error.message;
      reject(usageError(`--output: could not write ${path}: ${reason}`));
    });
  });
  return file;
}
