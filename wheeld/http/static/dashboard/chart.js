// Charts through uPlot, loaded only when a chart is drawn (it is fetched at build time, pinned).
const UPLOT = "/static/vendor/uplot/uPlot.esm.js";
let loading = null;

function load() {
  if (!loading) {
    const css = document.createElement("link");
    css.rel = "stylesheet";
    css.href = "/static/vendor/uplot/uPlot.min.css";
    document.head.append(css);
    loading = import(UPLOT).then((m) => m.default);
  }
  return loading;
}

const COLORS = ["#2f6fde", "#d9822b", "#2e9e5b", "#c0392b", "#8e44ad"];

/** Time (day) from "YYYY-MM-DD" to uPlot seconds. */
export const day = (iso) => Date.parse(`${iso}T00:00:00Z`) / 1000;

/**
 * Draw into `el`: data = [xs, ...ys]; series = [{label, scale?, bars?, points?}].
 * opts: {x: "time" | label, axes: {scale: label}, labels: [x category names]}. Returns the plot (or null when uPlot is missing).
 */
export async function draw(el, data, series, { x = "time", axes = {}, height = 260, labels = null } = {}) {
  let uPlot;
  try {
    uPlot = await load();
  } catch {
    el.textContent = "Charts need uPlot, which this build lacks (run `make assets`).";
    return null;
  }
  const width = Math.max(280, el.clientWidth || 600);
  const scales = { x: { time: x === "time" && !labels } };
  const yAxes = [];
  series.forEach((s, i) => {
    const scale = s.scale || "y";
    if (!(scale in scales)) {
      scales[scale] = {};
      yAxes.push({ scale, label: axes[scale] || "", side: yAxes.length ? 1 : 3, grid: { show: yAxes.length === 0 } });
    }
    s._color = COLORS[i % COLORS.length];
  });
  const style = getComputedStyle(document.documentElement);
  const ink = style.getPropertyValue("--ink").trim() || "#222";
  const grid = style.getPropertyValue("--line").trim() || "#ccc";
  const xAxis = { stroke: ink, grid: { stroke: grid }, label: x === "time" ? "" : x };
  if (labels) {
    // Categories (months): one slot each, named by its label.
    scales.x = { time: false, range: [-0.5, labels.length - 0.5] };
    Object.assign(xAxis, { incrs: [1], values: (_u, splits) => splits.map((i) => labels[i] ?? "") });
  } else if (x === "time") {
    // Whole days: the figures are per New York date, never per hour.
    Object.assign(xAxis, {
      incrs: [1, 2, 7, 14, 30, 91, 182, 365].map((d) => d * 86400),
      values: (_u, splits) => splits.map((t) => new Date(t * 1000).toISOString().slice(5, 10)),
      space: 50,
    });
  }
  const opts = {
    width,
    height,
    scales,
    axes: [
      xAxis,
      ...yAxes.map((a) => ({ ...a, stroke: ink, grid: { stroke: grid, show: a.grid.show } })),
    ],
    series: [
      { label: x === "time" ? "Date" : x },
      ...series.map((s) => ({
        label: s.label,
        scale: s.scale || "y",
        stroke: s._color,
        width: 2,
        fill: s.bars ? `${s._color}88` : undefined,
        paths: s.bars ? uPlot.paths.bars({ size: [0.6, 40] }) : s.points ? () => null : undefined,
        points: s.points ? { show: true, size: 8, fill: s._color } : { show: data[0].length < 40 },
        spanGaps: true,
      })),
    ],
  };
  el.replaceChildren();
  const plot = new uPlot(opts, data, el);
  const resize = new ResizeObserver(() => plot.setSize({ width: Math.max(280, el.clientWidth), height }));
  resize.observe(el);
  return plot;
}
