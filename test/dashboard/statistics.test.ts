/**
 * The statistics page's computation on data whose answers are known by hand: quantiles, mean, standard
 * deviation, Pearson's r, Tukey's fences and the routes outside them, and recommendations that name the
 * right routes for the right reasons. Also the CSV quoting of the downloads and the histogram's bars.
 */
import { describe, expect, it } from 'vitest';
import { csvCell, toCsv } from '../../src/dashboard/csv.js';
import { groupBins } from '../../src/dashboard/page-data.js';
import {
  correlations,
  distribution,
  mean,
  pearson,
  quantile,
  type RouteFigures,
  recommendations,
  routeStatistics,
  stdDev,
} from '../../src/dashboard/statistics.js';

/** A route whose figures are all `base` unless said otherwise. */
function route(name: string, figures: Partial<RouteFigures> = {}): RouteFigures {
  return {
    method: 'GET',
    route: name,
    count: 100,
    avgTime: 10,
    p95: 20,
    queries: 2,
    queryTime: 1,
    memory: 1000,
    errorRate: 0,
    nPlusOneRequests: 0,
    repeatedQuery: null,
    ...figures,
  };
}

describe('summary figures', () => {
  it('quantiles interpolate between the nearest ranks', () => {
    const sorted = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10];
    expect(quantile(sorted, 0.5)).toBe(5.5);
    expect(quantile(sorted, 0.9)).toBeCloseTo(9.1, 10);
    expect(quantile(sorted, 0.25)).toBe(3.25);
    expect(quantile(sorted, 0)).toBe(1);
    expect(quantile(sorted, 1)).toBe(10);
    expect(quantile([7], 0.95)).toBe(7);
    expect(quantile([], 0.5)).toBe(0);
  });

  it('mean and population standard deviation', () => {
    expect(mean([2, 4, 4, 4, 5, 5, 7, 9])).toBe(5);
    expect(stdDev([2, 4, 4, 4, 5, 5, 7, 9])).toBe(2);
    expect(mean([])).toBe(0);
    expect(stdDev([3])).toBe(0);
  });

  it("Pearson's r: 1, -1, 0, and null when it cannot be told", () => {
    expect(pearson([1, 2, 3, 4], [2, 4, 6, 8])).toBeCloseTo(1, 12);
    expect(pearson([1, 2, 3, 4], [8, 6, 4, 2])).toBeCloseTo(-1, 12);
    expect(pearson([1, 2, 3, 4, 5], [1, -1, 0, -1, 1])).toBeCloseTo(0, 12);
    // Known value: x = 1..5, y = 2, 4, 5, 4, 5 gives r = 0.7745966…
    expect(pearson([1, 2, 3, 4, 5], [2, 4, 5, 4, 5])).toBeCloseTo(0.7745966692, 9);
    expect(pearson([1, 2], [1, 2])).toBeNull();
    expect(pearson([1, 2, 3], [5, 5, 5])).toBeNull();
  });
});

describe('distribution', () => {
  const routes = [1, 2, 3, 4, 5, 6, 7, 8, 9, 100].map((time, i) =>
    route(`/r${i}`, { avgTime: time, memory: 1000 - i }),
  );

  it('gives mean, median, p90, p95 and std dev of the routes’ values', () => {
    const spread = distribution(routes, 'avgTime');
    expect(spread.count).toBe(10);
    expect(spread.mean).toBe(14.5);
    expect(spread.median).toBe(5.5);
    expect(spread.p90).toBeCloseTo(18.1, 10);
    expect(spread.p95).toBeCloseTo(59.05, 10);
    // Squared deviations sum to 8182.5 over 10 routes.
    expect(spread.stdDev).toBeCloseTo(Math.sqrt(818.25), 10);
  });

  it("names the routes outside Tukey's fences, farthest first", () => {
    // Q1 = 3.25, Q3 = 7.75, IQR = 4.5: fences -3.5 and 14.5.
    const spread = distribution(routes, 'avgTime');
    expect(spread.fences).toEqual({ low: -3.5, high: 14.5 });
    expect(spread.outliers).toEqual([{ method: 'GET', route: '/r9', value: 100, side: 'high' }]);
    const low = distribution([...routes.slice(0, 9), route('/low', { avgTime: -50 })], 'avgTime');
    expect(low.outliers.map((outlier) => [outlier.route, outlier.side])).toEqual([['/low', 'low']]);
    expect(distribution(routes, 'memory').outliers).toEqual([]);
  });

  it('is all zeros, without outliers, for no route', () => {
    expect(distribution([], 'p95')).toMatchObject({ count: 0, mean: 0, median: 0, stdDev: 0, outliers: [] });
  });
});

describe('correlations', () => {
  it('pair each route’s request time with its own other figures', () => {
    const routes = [1, 2, 3, 4, 5].map((n) =>
      route(`/c${n}`, { avgTime: n * 10, queries: n * 3, queryTime: 50 - n, memory: 7 }),
    );
    // Shuffled routes give the same r: the pairs stay pairs.
    const shuffled = [routes[3]!, routes[0]!, routes[4]!, routes[2]!, routes[1]!];
    for (const set of [routes, shuffled]) {
      const [queries, queryTime, memory] = correlations(set);
      expect(queries).toEqual({ with: 'queries', r: expect.closeTo(1, 12), pairs: 5 });
      expect(queryTime!.r).toBeCloseTo(-1, 12);
      expect(memory!.r).toBeNull();
    }
  });
});

describe('recommendations', () => {
  const routes = [
    route('/n-plus-one', {
      nPlusOneRequests: 40,
      count: 50,
      repeatedQuery: 'select * from items where id = ?',
    }),
    route('/db-bound', { avgTime: 100, queryTime: 80 }),
    route('/half', { avgTime: 10, queryTime: 5 }),
    route('/failing', { errorRate: 0.2 }),
    route('/few-errors', { errorRate: 0.01 }),
    route('/slow', { avgTime: 900, queryTime: 10 }),
    ...[1, 2, 3, 4, 5, 6].map((i) => route(`/ok${i}`, { avgTime: 10 + i })),
  ];

  it('name the routes and say why, each kind in its order', () => {
    const found = recommendations(routes, routeStatistics(routes).distributions);
    const of = (kind: string) => found.filter((one) => one.kind === kind).map((one) => one.route);
    expect(of('nPlusOne')).toEqual(['/n-plus-one']);
    expect(found[0]).toEqual({
      kind: 'nPlusOne',
      method: 'GET',
      route: '/n-plus-one',
      requests: 40,
      count: 50,
      query: 'select * from items where id = ?',
    });
    // 80 % and 50 % of their time in queries; /slow spends 1 %.
    expect(of('queryBound')).toEqual(['/db-bound', '/half']);
    expect(found.find((one) => one.kind === 'queryBound')).toMatchObject({ share: 0.8 });
    expect(of('errors')).toEqual(['/failing']);
    expect(of('outlier')).toContain('/slow');
    expect(found.find((one) => one.kind === 'outlier' && one.route === '/slow')).toMatchObject({
      metric: 'avgTime',
      value: 900,
    });
    expect(found.map((one) => one.kind)).toEqual([...found.map((one) => one.kind)].sort(byKindOrder));
  });

  it('are none for routes that all look alike', () => {
    const alike = [1, 2, 3, 4].map((i) => route(`/same${i}`));
    expect(routeStatistics(alike).recommendations).toEqual([]);
  });
});

const KIND_ORDER = ['nPlusOne', 'queryBound', 'errors', 'outlier'];
const byKindOrder = (a: string, b: string) => KIND_ORDER.indexOf(a) - KIND_ORDER.indexOf(b);

describe('CSV cells', () => {
  it('neutralise text that a spreadsheet would run as a formula', () => {
    for (const start of ['=', '+', '-', '@', '\t', '\r'])
      expect(csvCell(`${start}1+1`).replace(/^"/, '')).toMatch(/^'/);
    expect(csvCell('=HYPERLINK("http://x","y")')).toBe(`"'=HYPERLINK(""http://x"",""y"")"`);
    expect(csvCell('/users/=x')).toBe('/users/=x');
  });

  it('quote commas, quotes and line breaks, and write numbers, dates and nothing plainly', () => {
    expect(csvCell('a,b')).toBe('"a,b"');
    expect(csvCell('say "hi"')).toBe('"say ""hi"""');
    expect(csvCell('two\nlines')).toBe('"two\nlines"');
    expect(csvCell(-1.5)).toBe('-1.5');
    expect(csvCell(Number.NaN)).toBe('');
    expect(csvCell(new Date(Date.UTC(2024, 4, 1, 12)))).toBe('2024-05-01T12:00:00.000Z');
    expect(csvCell(null)).toBe('');
    expect(csvCell(undefined)).toBe('');
    expect(csvCell(true)).toBe('true');
    expect(csvCell('ñandú ✓')).toBe('ñandú ✓');
  });

  it('make a file with a byte order mark and CRLF line ends', () => {
    expect(
      toCsv(
        ['a', 'b'],
        [
          [1, 'x,y'],
          [null, '-2'],
        ],
      ),
    ).toBe('\uFEFFa,b\r\n1,"x,y"\r\n,\'-2\r\n');
  });
});

describe('latency histogram bars', () => {
  it('keep the bins as they are when they are few, and sum neighbours into at most 40 bars', () => {
    const bins = [
      { from: 1, to: 1.02, count: 3 },
      { from: 1.02, to: 1.04, count: 0 },
      { from: 2, to: 2.04, count: 5 },
    ];
    expect(groupBins(bins)).toEqual([bins[0], bins[2]]);
    const many = Array.from({ length: 400 }, (_, i) => ({
      from: 1.0202 ** i,
      to: 1.0202 ** (i + 1),
      count: 1,
    }));
    const bars = groupBins(many);
    expect(bars.length).toBeLessThanOrEqual(40);
    expect(bars.length).toBeGreaterThan(30);
    expect(bars.reduce((sum, bar) => sum + bar.count, 0)).toBe(400);
    expect(bars[0]!.from).toBe(1);
    expect(bars.at(-1)!.to).toBe(many.at(-1)!.to);
    for (let i = 1; i < bars.length; i++) expect(bars[i]!.from).toBe(bars[i - 1]!.to);
  });
});
