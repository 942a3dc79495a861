/**
 * A latency histogram as bytes, for the `latency_bins` column of rolled-up buckets: the bins in ascending
 * order, each as the varint of its distance from the previous bin (the first one zigzag-encoded, as bins
 * below 1 ms are negative) followed by the varint of its count. A bucket of a busy route holds a few
 * hundred bins, so this keeps a day of one route in a few hundred bytes, read in one row.
 */
export function encodeBins(bins: ReadonlyMap<number, number>): Uint8Array {
  const sorted = [...bins].filter(([, count]) => count > 0).sort(([a], [b]) => a - b);
  const bytes: number[] = [];
  let previous = 0;
  sorted.forEach(([bin, count], index) => {
    writeVarint(bytes, index === 0 ? zigzag(bin) : bin - previous);
    writeVarint(bytes, count);
    previous = bin;
  });
  return Uint8Array.from(bytes);
}

/** Calls `add` with each bin and count of an encoded histogram. */
export function decodeBins(bytes: Uint8Array, add: (bin: number, count: number) => void): void {
  const cursor = { at: 0 };
  let bin = 0;
  for (let index = 0; cursor.at < bytes.length; index++) {
    const step = readVarint(bytes, cursor);
    bin = index === 0 ? unzigzag(step) : bin + step;
    add(bin, readVarint(bytes, cursor));
  }
}

const zigzag = (n: number) => (n < 0 ? -2 * n - 1 : 2 * n);
const unzigzag = (n: number) => (n % 2 === 1 ? -(n + 1) / 2 : n / 2);

// Arithmetic rather than bit operators: counts of a long-kept day bucket may pass 2^31.
function writeVarint(bytes: number[], value: number) {
  let rest = value;
  while (rest >= 0x80) {
    bytes.push((rest % 0x80) + 0x80);
    rest = Math.floor(rest / 0x80);
  }
  bytes.push(rest);
}

function readVarint(bytes: Uint8Array, cursor: { at: number }): number {
  let value = 0;
  let scale = 1;
  for (;;) {
    const byte = bytes[cursor.at++];
    if (byte === undefined) throw new RangeError('truncated latency histogram');
    value += (byte & 0x7f) * scale;
    if (byte < 0x80) return value;
    scale *= 0x80;
  }
}
