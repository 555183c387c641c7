// A job's training curves as interactive uPlot charts: values on hover (the legend under each chart), drag to
// zoom, double-click to zoom out, a log scale and smoothing for all charts at once. Each <figure data-curve>
// carries its points as JSON in data-series (htmx drops <script> elements, JSON ones too, from polled
// fragments) and keeps the server's SVG for pages without scripts. Redrawn after every htmx swap of a running
// job's live part; the chosen options are kept.
(function () {
  "use strict";
  var options = { log: false, smoothing: 0 };
  var charts = [];

  function cssVar(name) {
    return getComputedStyle(document.documentElement).getPropertyValue(name).trim();
  }

  function figure(value) {
    if (value == null || !isFinite(value)) return "—";
    var size = Math.abs(value);  // as studio/figures.py writes numbers
    if (value === 0) return "0";
    if (size < 1e-3) return value.toExponential(2);
    if (size <= 1) return value.toFixed(3);
    if (value === Math.round(value) && size < 1e15) return value.toLocaleString("en-US");
    if (size < 100) return String(Number(value.toPrecision(3)));
    return Math.round(value).toLocaleString("en-US");
  }

  // An exponential moving average with the usual bias correction, as TensorBoard draws it.
  function smooth(values, weight) {
    if (!weight) return values;
    var last = 0, count = 0;
    return values.map(function (value) {
      if (value == null || !isFinite(value)) return value;
      last = last * weight + (1 - weight) * value;
      count += 1;
      return last / (1 - Math.pow(weight, count));
    });
  }

  function draw(figureElement, curve) {
    var width = Math.max(280, figureElement.clientWidth);
    var positive = curve.values.every(function (value) { return value > 0; });
    var logScale = options.log && positive;
    var values = smooth(curve.values, options.smoothing);
    var series = [
      { label: "Step", value: function (u, step) { return step == null ? "—" : figure(step); } },
      { label: curve.title + (options.smoothing ? " (smoothed)" : ""), stroke: cssVar("--accent"), width: 2,
        points: { show: curve.steps.length < 60 }, value: function (u, value) { return figure(value); } },
    ];
    if (options.smoothing) {
      series.push({ label: "raw", stroke: cssVar("--muted"), width: 1, value: function (u, value) { return figure(value); } });
    }
    var axis = { stroke: cssVar("--muted"), grid: { stroke: cssVar("--line"), width: 1 },
                 ticks: { stroke: cssVar("--line") }, font: "12px system-ui, sans-serif" };
    var plot = new uPlot({
      width: width, height: 220,
      scales: { x: { time: false }, y: logScale ? { distr: 3 } : {} },
      axes: [Object.assign({ label: "step", labelFont: "12px system-ui, sans-serif" }, axis),
             Object.assign({ size: 64, values: function (u, ticks) { return ticks.map(figure); } }, axis)],
      cursor: { drag: { x: true, y: false, setScale: true } },
      legend: { live: true },
      series: series,
    }, options.smoothing ? [curve.steps, values, curve.values] : [curve.steps, values], figureElement);
    figureElement.classList.add("enhanced");
    plot.root.setAttribute("aria-hidden", "true");  // the SVG's label and the figcaption describe it
    return plot;
  }

  function render(root) {
    if (typeof uPlot === "undefined") return;
    charts.forEach(function (plot) { plot.destroy(); });
    charts = [];
    root.querySelectorAll("figure[data-series]").forEach(function (element) {
      var curve = JSON.parse(element.getAttribute("data-series"));
      if (curve.steps.length) charts.push(draw(element, curve));
    });
    root.querySelectorAll(".curve-controls").forEach(function (controls) {
      controls.hidden = false;
      controls.querySelector("[data-curve-option=log]").checked = options.log;
      controls.querySelector("[data-curve-option=smoothing]").value = String(options.smoothing);
    });
  }

  document.addEventListener("change", function (event) {  // the slider redraws as it moves (below)
    if (!(event.target.getAttribute && event.target.getAttribute("data-curve-option") === "log")) return;
    options.log = event.target.checked;
    render(document);
  });
  document.addEventListener("input", function (event) {
    if (event.target.getAttribute && event.target.getAttribute("data-curve-option") === "smoothing") {
      options.smoothing = Number(event.target.value);
      render(document);
    }
  });
  // A closed <details> has no width: its charts are drawn when it opens.
  document.addEventListener("toggle", function (event) {
    if (event.target.classList && event.target.classList.contains("more-curves") && event.target.open) render(document);
  }, true);
  document.addEventListener("DOMContentLoaded", function () { render(document); });
  document.addEventListener("htmx:afterSwap", function (event) {
    if (event.target.querySelector && event.target.querySelector("figure[data-series]")) render(document);
  });
})();
