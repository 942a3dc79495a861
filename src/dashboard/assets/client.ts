/**
 * The dashboard's one client script, served as a file of its own (`dashboard.<hash>.js`): the CSP allows
 * no inline script. It is plain browser JavaScript kept in a TypeScript module so that `tsc` puts it in
 * `dist/` with the rest, and no user builds anything. The pages work without it; it adds:
 *
 * - the charts, drawn with uPlot from the `<script type="application/json">` blocks the pages carry;
 * - selectors that apply as soon as they change (`data-autosubmit`), and the custom range's inputs shown
 *   only when the custom period is chosen;
 * - the optional auto-refresh (`<body data-refresh="<seconds>">`), which waits while the tab is hidden.
 */
export const CLIENT_SCRIPT = `(function () {
  'use strict';

  function cssVar(name) {
    return getComputedStyle(document.documentElement).getPropertyValue(name).trim();
  }

  function chartOptions(data, width) {
    var grid = { stroke: cssVar('--grid'), width: 1 };
    var axis = { stroke: cssVar('--muted'), grid: grid, ticks: grid };
    return {
      width: width,
      height: 300,
      legend: { live: false },
      scales: { x: { time: true }, count: { auto: true }, ms: { auto: true } },
      axes: [
        axis,
        Object.assign({ scale: 'count', label: data.labels.requests }, axis),
        Object.assign({ scale: 'ms', side: 1, label: 'ms' }, axis, { grid: { show: false } })
      ],
      series: [
        {},
        { label: data.labels.requests, scale: 'count', stroke: cssVar('--series-1'), fill: cssVar('--series-1') + '55', width: 1 },
        { label: data.labels.average, scale: 'ms', stroke: cssVar('--series-2'), width: 2 },
        { label: data.labels.p95, scale: 'ms', stroke: cssVar('--series-3'), width: 2 }
      ]
    };
  }

  function drawChart(area) {
    var source = document.getElementById(area.getAttribute('data-chart'));
    if (!source || typeof uPlot === 'undefined') return;
    var data = JSON.parse(source.textContent);
    if (area.routeperfChart) area.routeperfChart.destroy();
    area.textContent = '';
    var series = [data.x, data.requests, data.average, data.p95];
    area.routeperfChart = new uPlot(chartOptions(data, area.clientWidth || 600), series, area);
    area.setAttribute('data-drawn', 'true');
    if (!area.routeperfResizes && typeof ResizeObserver !== 'undefined') {
      area.routeperfResizes = new ResizeObserver(function () {
        area.routeperfChart.setSize({ width: area.clientWidth, height: 300 });
      });
      area.routeperfResizes.observe(area);
    }
  }

  function drawCharts() {
    var areas = document.querySelectorAll('[data-chart]');
    for (var i = 0; i < areas.length; i++) drawChart(areas[i]);
  }

  function showCustomRange(select) {
    var range = document.querySelectorAll('[data-custom-range]');
    for (var i = 0; i < range.length; i++) range[i].classList.toggle('is-hidden', select.value !== 'custom');
  }

  function autoSubmit() {
    var fields = document.querySelectorAll('[data-autosubmit]');
    for (var i = 0; i < fields.length; i++) {
      fields[i].addEventListener('change', function (event) {
        var field = event.target;
        if (field.name === 'period') {
          showCustomRange(field);
          if (field.value === 'custom') return;
        }
        if (field.form.requestSubmit) field.form.requestSubmit();
        else field.form.submit();
      });
      if (fields[i].name === 'period') showCustomRange(fields[i]);
    }
  }

  function autoRefresh() {
    var seconds = Number(document.body.getAttribute('data-refresh'));
    if (!(seconds > 0)) return;
    setTimeout(function reload() {
      if (document.visibilityState === 'hidden') {
        document.addEventListener('visibilitychange', reload, { once: true });
        return;
      }
      location.reload();
    }, seconds * 1000);
  }

  drawCharts();
  autoSubmit();
  autoRefresh();
  if (window.matchMedia) {
    var scheme = window.matchMedia('(prefers-color-scheme: dark)');
    if (scheme.addEventListener) scheme.addEventListener('change', drawCharts);
  }
})();
`;
