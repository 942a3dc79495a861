/**
 * The dashboard's one client script, served as a file of its own (`dashboard.<hash>.js`): the CSP allows
 * no inline script. It is plain browser JavaScript kept in a TypeScript module so that `tsc` puts it in
 * `dist/` with the rest, and no user builds anything. The pages work without it; it adds:
 *
 * - the charts, drawn with uPlot from the `<script type="application/json">` blocks the pages carry
 *   (lines over time, or bars over categories such as latency ranges and hours);
 * - selectors that apply as soon as they change (`data-autosubmit`), and the custom range's inputs shown
 *   only when the custom period is chosen;
 * - the optional auto-refresh (`<body data-refresh="<seconds>">`), which waits while the tab is hidden.
 */
export const CLIENT_SCRIPT = `(function () {
  'use strict';

  function cssVar(name) {
    return getComputedStyle(document.documentElement).getPropertyValue(name).trim();
  }

  /**
   * A chart's options from its data block: { x, labels? (category names, then x holds their indexes),
   * time (x in seconds since the epoch), axes: [{ scale, label, side? }], series: [{ label, scale,
   * values, color (1 to 4), fill?, bars? }] }.
   */
  function chartOptions(data, width) {
    var grid = { stroke: cssVar('--grid'), width: 1 };
    var axis = { stroke: cssVar('--muted'), grid: grid, ticks: grid };
    var x = Object.assign({}, axis);
    if (data.labels) {
      x.values = function (u, splits) {
        return splits.map(function (at) { return data.labels[at] === undefined ? '' : data.labels[at]; });
      };
    }
    var scales = { x: { time: !!data.time } };
    if (data.labels) scales.x.range = [-0.5, data.labels.length - 0.5];
    var axes = [x];
    data.axes.forEach(function (one, index) {
      scales[one.scale] = { auto: true };
      var options = { scale: one.scale, label: one.label };
      if (index > 0) Object.assign(options, { side: 1 }, axis, { grid: { show: false } });
      else Object.assign(options, axis);
      axes.push(options);
    });
    var series = [{}];
    data.series.forEach(function (one) {
      var colour = cssVar('--series-' + one.color);
      var line = { label: one.label, scale: one.scale, stroke: colour, width: one.fill || one.bars ? 1 : 2 };
      if (one.fill || one.bars) line.fill = colour + (one.bars ? 'cc' : '55');
      if (one.bars && uPlot.paths && uPlot.paths.bars) {
        line.paths = uPlot.paths.bars({ size: [0.8, 80] });
        line.points = { show: false };
      }
      series.push(line);
    });
    return { width: width, height: 300, legend: { live: false }, scales: scales, axes: axes, series: series };
  }

  function drawChart(area) {
    var source = document.getElementById(area.getAttribute('data-chart'));
    if (!source || typeof uPlot === 'undefined') return;
    var data = JSON.parse(source.textContent);
    if (area.routeperfChart) area.routeperfChart.destroy();
    area.textContent = '';
    var series = [data.x].concat(data.series.map(function (one) { return one.values; }));
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
