/**
 * The files the pages load: uPlot from the installed package, and the dashboard's own style sheet and
 * script, which must be valid as they are served (no build step runs on them).
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import { CLIENT_SCRIPT } from '../../src/dashboard/assets/client.js';
import { assetByFileName, assets } from '../../src/dashboard/assets.js';

describe('assets', () => {
  it('serve uPlot as installed, under names that change with their content', () => {
    const uplot = createRequire(import.meta.url).resolve('uplot/dist/uPlot.iife.min.js');
    const script = assets().get('uplot.js')!;
    expect(script.body.equals(readFileSync(uplot))).toBe(true);
    expect(script.fileName).toMatch(/^uplot\.[0-9a-f]{12}\.js$/);
    expect(assets().get('uplot.css')!.contentType).toBe('text/css; charset=utf-8');
    const names = [...assets().values()].map((asset) => asset.fileName);
    expect(new Set(names).size).toBe(4);
    for (const name of names) expect(assetByFileName(name)?.fileName).toBe(name);
    expect(assetByFileName('uplot.000000000000.js')).toBeUndefined();
  });

  it('have a client script that parses as a plain script', () => {
    expect(() => new Function(CLIENT_SCRIPT)).not.toThrow();
    expect(CLIENT_SCRIPT).not.toMatch(/\bimport\b|\bexport\b/);
  });
});
