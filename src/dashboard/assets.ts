/**
 * The files the pages load, served by the dashboard itself: uPlot's script and style sheet, read from the
 * installed `uplot` package (resolved from this module, so it works from `src/` and from `dist/`), and the
 * dashboard's own style sheet and client script. Each is served under a name holding a hash of its
 * content, so browsers may keep it for a year and still never use a stale one.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { CLIENT_SCRIPT } from './assets/client.js';
import { STYLES } from './assets/styles.js';

export type AssetName = 'uplot.js' | 'uplot.css' | 'dashboard.js' | 'dashboard.css';

export interface Asset {
  /** The name in URLs: `dashboard.3f9a1c0e2b4d.css`. */
  fileName: string;
  contentType: string;
  body: Buffer;
}

const CONTENT_TYPES = { js: 'text/javascript; charset=utf-8', css: 'text/css; charset=utf-8' } as const;

function asset(name: AssetName, body: Buffer): Asset {
  const [stem, extension] = name.split('.') as [string, keyof typeof CONTENT_TYPES];
  const hash = createHash('sha256').update(body).digest('hex').slice(0, 12);
  return { fileName: `${stem}.${hash}.${extension}`, contentType: CONTENT_TYPES[extension], body };
}

function readUplot(file: string): Buffer {
  return readFileSync(createRequire(import.meta.url).resolve(`uplot/dist/${file}`));
}

let loaded: ReadonlyMap<AssetName, Asset> | undefined;

/** Every asset, read once per process. */
export function assets(): ReadonlyMap<AssetName, Asset> {
  loaded ??= new Map<AssetName, Asset>([
    ['uplot.js', asset('uplot.js', readUplot('uPlot.iife.min.js'))],
    ['uplot.css', asset('uplot.css', readUplot('uPlot.min.css'))],
    ['dashboard.js', asset('dashboard.js', Buffer.from(CLIENT_SCRIPT))],
    ['dashboard.css', asset('dashboard.css', Buffer.from(STYLES))],
  ]);
  return loaded;
}

/** The asset whose URL name is `fileName`, if any. */
export function assetByFileName(fileName: string): Asset | undefined {
  return [...assets().values()].find((candidate) => candidate.fileName === fileName);
}

/** Seconds browsers may keep an asset: its name changes with its content. */
export const ASSET_MAX_AGE = 365 * 24 * 60 * 60;
