/**
 * The charts of the pages: a card with a title, an area the client script draws in with uPlot, a line
 * that says in words what the chart shows (also its accessible name), and the chart's data in a JSON
 * block. Without the script the card still says what it would show.
 */
import { html, jsonScript, type SafeHtml } from '../html.js';

export interface ChartSeries {
  label: string;
  /** The axis it is read against: one of the chart's `axes`. */
  scale: string;
  values: number[];
  /** Its colour, from the style sheet's `--series-<n>`. */
  color: 1 | 2 | 3 | 4;
  fill?: boolean;
  bars?: boolean;
}

/** What the client script draws: points over time (`time`, x in seconds), or bars over `labels`. */
export interface ChartData {
  x: number[];
  time?: boolean;
  /** Category names; x then holds their indexes. */
  labels?: string[];
  /** The y axes, the first on the left, the second (if any) on the right. */
  axes: { scale: string; label: string }[];
  series: ChartSeries[];
}

/** Milliseconds rounded to 0.01, so that the data blocks stay small. */
export const roundMs = (value: number): number => Math.round(value * 100) / 100;

/** Seconds since the epoch, as uPlot takes time. */
export const seconds = (at: Date): number => at.getTime() / 1000;

export function chartCard(id: string, title: string, summary: string, data: ChartData): SafeHtml {
  return html`<section class="card"><h2>${title}</h2>
<div class="chart-area" data-chart="${id}" role="img" aria-label="${title}: ${summary}"></div>
<p class="muted">${summary}</p>
${jsonScript(id, data)}
</section>`;
}
