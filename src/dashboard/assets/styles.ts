/**
 * The dashboard's style sheet, served as a file of its own (`dashboard.<hash>.css`): the CSP allows no
 * inline style. It lives in a TypeScript module so that `tsc` puts it in `dist/` with the rest. Light by
 * default, dark with `prefers-color-scheme` under the "auto" theme or with the "dark" preference; the
 * chart colours are read from the custom properties by the client script.
 */
/** The dark theme's colours: chosen by the "dark" preference, or by the system's under "auto". */
const DARK = `
  color-scheme: dark;
  --bg: #0f1216; --surface: #171b21; --text: #e6e9ee; --muted: #9aa4b1; --border: #2c333d;
  --accent: #7aa2ff; --accent-text: #0f1216; --row-alt: #1b2028;
  --ok: #5fd08a; --warn-bg: #4a3b05; --warn-text: #ffe08a; --crit-bg: #5a1814; --crit-text: #ffc2bd;
  --s2xx: #5fd08a; --s3xx: #7aa2ff; --s4xx: #e3b341; --s5xx: #ff7b72;
  --series-1: #3d5a9e; --series-2: #5fd08a; --series-3: #ff7b72; --series-4: #d2a8ff; --grid: #262c35;
  --heat: 122, 162, 255;
`;

export const STYLES = `
:root, html[data-theme="light"] {
  color-scheme: light;
  --bg: #f6f7f9; --surface: #ffffff; --text: #1b1f24; --muted: #5b6470; --border: #d9dde3;
  --accent: #2458d3; --accent-text: #ffffff; --row-alt: #fafbfc;
  --ok: #1a7f37; --warn-bg: #fff3c4; --warn-text: #6b4d00; --crit-bg: #ffd7d5; --crit-text: #8a1410;
  --s2xx: #1a7f37; --s3xx: #2458d3; --s4xx: #9a6700; --s5xx: #c2261c;
  --series-1: #8ea8e8; --series-2: #1a7f37; --series-3: #c2261c; --series-4: #8250df; --grid: #e6e9ee;
  --heat: 36, 88, 211;
}
html[data-theme="dark"] {${DARK}}
@media (prefers-color-scheme: dark) {
  html[data-theme="auto"] {${DARK}}
}
* { box-sizing: border-box; }
html { background: var(--bg); color: var(--text); }
body {
  margin: 0; font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif;
  background: var(--bg); color: var(--text);
}
a { color: var(--accent); }
code, .mono { font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; font-size: 0.92em; }
.skip { position: absolute; left: -9999px; }
.skip:focus { left: 1rem; top: 1rem; background: var(--surface); padding: 0.5rem; z-index: 10; }
.top {
  display: flex; flex-wrap: wrap; align-items: center; gap: 0.75rem 1.5rem;
  padding: 0.75rem 1.5rem; background: var(--surface); border-bottom: 1px solid var(--border);
}
.brand { font-weight: 700; font-size: 1.05rem; }
.brand span { font-weight: 400; color: var(--muted); margin-left: 0.4rem; }
.top nav { display: flex; gap: 0.25rem; }
.top nav a { padding: 0.35rem 0.75rem; border-radius: 6px; text-decoration: none; color: var(--text); }
.top nav a[aria-current="page"] { background: var(--accent); color: var(--accent-text); }
.prefs { margin-left: auto; position: relative; }
.prefs summary { cursor: pointer; color: var(--muted); list-style: none; }
.prefs summary::-webkit-details-marker { display: none; }
.prefs[open] form {
  position: absolute; right: 0; top: 1.8rem; z-index: 5; display: grid; gap: 0.5rem; min-width: 14rem;
  background: var(--surface); border: 1px solid var(--border); border-radius: 8px; padding: 0.75rem;
  box-shadow: 0 6px 24px rgba(0, 0, 0, 0.15);
}
.bar, .filters {
  display: flex; flex-wrap: wrap; align-items: flex-end; gap: 0.5rem 0.75rem; padding: 0.75rem 1.5rem;
}
.filters { background: var(--surface); border: 1px solid var(--border); border-radius: 8px; margin: 0 0 1rem; padding: 0.75rem; }
label { display: grid; gap: 0.15rem; font-size: 0.8rem; color: var(--muted); }
input, select, button {
  font: inherit; color: var(--text); background: var(--surface); border: 1px solid var(--border);
  border-radius: 6px; padding: 0.3rem 0.5rem; min-height: 2rem;
}
input[type="number"] { width: 7rem; }
input[type="search"] { width: 14rem; }
button { background: var(--accent); color: var(--accent-text); border-color: var(--accent); cursor: pointer; }
.is-hidden { display: none; }
main { padding: 0 1.5rem 2rem; max-width: 1600px; }
h1 { font-size: 1.3rem; margin: 0.5rem 0 0.25rem; }
h2 { font-size: 1rem; margin: 0 0 0.75rem; }
.window { color: var(--muted); margin: 0 0 1rem; }
.kpis { display: grid; grid-template-columns: repeat(auto-fill, minmax(11rem, 1fr)); gap: 0.75rem; margin-bottom: 1rem; }
.kpi { background: var(--surface); border: 1px solid var(--border); border-radius: 8px; padding: 0.75rem 1rem; }
.kpi dt { color: var(--muted); font-size: 0.8rem; }
.kpi dd { margin: 0.2rem 0 0; font-size: 1.45rem; font-weight: 600; font-variant-numeric: tabular-nums; }
.card { background: var(--surface); border: 1px solid var(--border); border-radius: 8px; padding: 1rem; margin-bottom: 1rem; }
.chart-area { min-height: 300px; width: 100%; }
.muted { color: var(--muted); }
.tops { display: grid; grid-template-columns: repeat(auto-fit, minmax(19rem, 1fr)); gap: 1rem; }
.tops ol { margin: 0; padding: 0; list-style: none; }
.tops li { display: flex; justify-content: space-between; gap: 0.75rem; padding: 0.35rem 0; border-top: 1px solid var(--border); }
.tops li:first-child { border-top: 0; }
.tops a { overflow-wrap: anywhere; }
.figure { font-variant-numeric: tabular-nums; white-space: nowrap; }
.table-wrap { overflow-x: auto; background: var(--surface); border: 1px solid var(--border); border-radius: 8px; }
table { border-collapse: collapse; width: 100%; font-variant-numeric: tabular-nums; }
th, td { padding: 0.45rem 0.6rem; border-bottom: 1px solid var(--border); text-align: right; white-space: nowrap; }
th { font-size: 0.78rem; color: var(--muted); font-weight: 600; background: var(--surface); position: sticky; top: 0; }
th a { color: inherit; text-decoration: none; }
th[aria-sort] a { color: var(--accent); }
th[aria-sort="ascending"] a::after { content: " \\2191"; }
th[aria-sort="descending"] a::after { content: " \\2193"; }
td.text, th.text { text-align: left; }
tbody th { background: inherit; position: static; color: var(--text); font-size: inherit; font-weight: 400; }
td.route { white-space: normal; overflow-wrap: anywhere; min-width: 14rem; max-width: 28rem; }
tbody tr:nth-child(even) { background: var(--row-alt); }
.method { font-weight: 600; font-size: 0.8rem; }
.warning { background: var(--warn-bg); color: var(--warn-text); }
.critical { background: var(--crit-bg); color: var(--crit-text); font-weight: 600; }
.statuses { display: flex; flex-wrap: wrap; gap: 0.25rem; justify-content: flex-end; }
.status { border-radius: 4px; padding: 0 0.3rem; font-size: 0.78rem; border: 1px solid currentColor; }
.s2xx { color: var(--s2xx); } .s3xx { color: var(--s3xx); } .s4xx { color: var(--s4xx); } .s5xx { color: var(--s5xx); }
.badge { display: inline-block; border-radius: 999px; padding: 0 0.5rem; font-size: 0.75rem; background: var(--crit-bg); color: var(--crit-text); font-weight: 600; }
.pager { display: flex; flex-wrap: wrap; align-items: center; gap: 0.75rem; margin-top: 0.75rem; }
.pager .is-disabled { color: var(--muted); }
.message { max-width: 40rem; margin: 3rem auto; background: var(--surface); border: 1px solid var(--border); border-radius: 8px; padding: 1.5rem; }
.message li { margin: 0.35rem 0; }
.notice { background: var(--surface); border: 1px solid var(--ok); border-left-width: 4px; border-radius: 8px; padding: 0.6rem 1rem; }
.charts { display: grid; grid-template-columns: repeat(auto-fit, minmax(30rem, 1fr)); gap: 0 1rem; }
.exports { margin: 0.75rem 0; }
table.compact { width: auto; }
table.compact td, table.compact th { padding: 0.3rem 0.6rem; }
td.path { white-space: normal; overflow-wrap: anywhere; max-width: 22rem; }
td.outliers ul, .recommendations { margin: 0; padding-left: 1.1rem; }
td.outliers { white-space: normal; min-width: 16rem; }
.recommendations li { margin: 0.35rem 0; overflow-wrap: anywhere; }
.reviewed { color: var(--ok); font-size: 0.78rem; margin-left: 0.4rem; white-space: nowrap; }
pre.sql, .message pre { background: var(--bg); border: 1px solid var(--border); border-radius: 6px; padding: 0.6rem; overflow-x: auto; white-space: pre-wrap; overflow-wrap: anywhere; }
form.action { display: flex; flex-wrap: wrap; align-items: flex-end; gap: 0.5rem 0.75rem; margin-top: 0.75rem; }
form.action p { flex-basis: 100%; margin: 0; }
button.secondary { background: var(--surface); color: var(--accent); }
button.danger { background: var(--s5xx); border-color: var(--s5xx); color: #ffffff; }
.pairs { display: grid; grid-template-columns: max-content 1fr; gap: 0.35rem 1.25rem; margin: 0; }
.pairs dt { color: var(--muted); }
.pairs dd { margin: 0; overflow-wrap: anywhere; }
.heatmap { display: grid; grid-template-columns: 3rem repeat(24, minmax(0, 1fr)); gap: 2px; margin-bottom: 0.5rem; }
.heatmap .hour, .heatmap .day { font-size: 0.72rem; color: var(--muted); text-align: center; }
.heatmap .day { text-align: left; align-self: center; }
.heatmap .cell { display: block; min-height: 1.6rem; border-radius: 3px; background: rgba(var(--heat), 0.06); }
.heatmap .h1 { background: rgba(var(--heat), 0.14); } .heatmap .h2 { background: rgba(var(--heat), 0.24); }
.heatmap .h3 { background: rgba(var(--heat), 0.34); } .heatmap .h4 { background: rgba(var(--heat), 0.44); }
.heatmap .h5 { background: rgba(var(--heat), 0.54); } .heatmap .h6 { background: rgba(var(--heat), 0.64); }
.heatmap .h7 { background: rgba(var(--heat), 0.76); } .heatmap .h8 { background: rgba(var(--heat), 0.88); }
.heatmap .h9 { background: rgba(var(--heat), 1); }
footer { padding: 1rem 1.5rem 2rem; color: var(--muted); font-size: 0.8rem; }
.u-legend { color: var(--text); font-size: 0.8rem; }
@media (max-width: 700px) {
  .top, .bar { padding: 0.6rem 0.75rem; }
  main { padding: 0 0.75rem 1.5rem; }
  .prefs { margin-left: 0; }
  .kpis { grid-template-columns: repeat(2, 1fr); }
  .kpi dd { font-size: 1.15rem; }
  input[type="search"] { width: 100%; }
  .charts { grid-template-columns: 1fr; }
  .heatmap { grid-template-columns: 2.2rem repeat(24, minmax(0, 1fr)); gap: 1px; }
}
`;
