// A queue's day in the console (docs/console.md): charts of its last 24 clock hours drawn with uPlot from
// GET /console/api/history, and the report download (GET /console/api/report, the CSV of `onduty-server
// report`). The panel is made once per queue card and kept while the live part is redrawn every second.
import uPlot from "uplot";

const panels = new Map(); // queue -> { node, status, charts: [uPlot], box: [div, div] }

function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, v);
  for (const c of children) node.append(c);
  return node;
}

function isoDay(d) {
  const two = (n) => String(n).padStart(2, "0");
  return `${d.getFullYear()}-${two(d.getMonth() + 1)}-${two(d.getDate())}`;
}

/** The link of the report download for the queue and the two dates (YYYY-MM-DD). */
export function reportHref(queue, from, to) {
  const q = new URLSearchParams({ queue, from, to });
  return `/console/api/report?${q}`;
}

function downloadForm(queue) {
  const today = new Date();
  const weekAgo = new Date(today.getTime() - 6 * 86400000);
  const id = (name) => `${name}-${queue}`;
  const from = el("input", { type: "date", id: id("from"), value: isoDay(weekAgo), required: "" });
  const to = el("input", { type: "date", id: id("to"), value: isoDay(today), required: "" });
  const link = el("a", { class: "download", "data-testid": "report-download" }, "Download report (CSV)");
  const update = () => {
    link.href = reportHref(queue, from.value, to.value);
    link.download = `onduty-${queue}-${from.value}-${to.value}.csv`;
  };
  from.addEventListener("change", update);
  to.addEventListener("change", update);
  update();
  return el("div", { class: "report" },
    el("label", { for: id("from") }, "From"), from, el("label", { for: id("to") }, "To"), to, link);
}

/** The day part of a queue card: charts (filled by refreshDay) and the report download. */
export function dayPanel(queue) {
  const status = el("p", { class: "day-status", role: "status" }, "Reading the last 24 hours…");
  const box = [
    el("div", { class: "chart", role: "img", "data-testid": "chart-requests",
      "aria-label": "Requests, dropped requests, advised agents and agents On Duty per hour, last 24 hours" }),
    el("div", { class: "chart", role: "img", "data-testid": "chart-waits",
      "aria-label": "Waits (p50, p90) and service level per hour, last 24 hours" }),
  ];
  const node = el("section", { class: "day", "aria-label": "Last 24 hours" },
    el("h3", {}, "Last 24 hours"), status, ...box, el("h3", {}, "Report"), downloadForm(queue));
  panels.set(queue, { node, status, box, charts: [] });
  return node;
}

function options(title, tz, series, axes, width) {
  return {
    title, width, height: 170, tzDate: (ts) => uPlot.tzDate(new Date(ts * 1000), tz),
    scales: { x: { time: true } }, legend: { live: false }, cursor: { drag: { x: false, y: false } },
    series: [{}, ...series], axes: [{}, ...axes],
  };
}

const bars = uPlot.paths.bars({ size: [0.6, 40] });

function build(history, width) {
  const pct = (v) => (v === null || v === undefined ? null : Math.round(v * 1000) / 10);
  const xs = history.hours.map((h) => h.start);
  const goal = Math.round(history.goal * 100);
  const requests = options("Requests per hour", history.tz, [
    { label: "Requests", stroke: "#1f5fbf", fill: "#1f5fbf55", paths: bars, points: { show: false } },
    { label: "Dropped", stroke: "#a4161a", width: 2 },
    { label: "Advised agents", stroke: "#1b7f3b", width: 2, dash: [6, 4], scale: "agents" },
    { label: "Most On Duty", stroke: "#6a3d9a", width: 2, scale: "agents" },
  ], [{ label: "requests" }, { side: 1, scale: "agents", label: "agents", grid: { show: false } }], width);
  const waits = options(`Waits and service level (goal ${goal}% within ${history.target_s} s)`, history.tz, [
    { label: "Wait p50 (s)", stroke: "#525a6b", width: 2, scale: "s" },
    { label: "Wait p90 (s)", stroke: "#9a5b00", width: 2, scale: "s" },
    { label: "Service level (%)", stroke: "#1b7f3b", width: 2, scale: "%" },
  ], [{ scale: "s", label: "seconds" }, { side: 1, scale: "%", label: "%", grid: { show: false } }], width);
  waits.scales["%"] = { range: [0, 100] };
  return [
    [requests, [xs, history.hours.map((h) => h.requests), history.hours.map((h) => h.dropped),
      history.hours.map((h) => h.advised_agents), history.hours.map((h) => h.on_duty_max)]],
    [waits, [xs, history.hours.map((h) => h.wait_p50_s), history.hours.map((h) => h.wait_p90_s),
      history.hours.map((h) => pct(h.service_level))]],
  ];
}

/** Read the queue's last 24 hours and draw them (again). */
export async function refreshDay(queue) {
  const panel = panels.get(queue);
  if (!panel) return;
  let history;
  try {
    const response = await fetch(`/console/api/history?${new URLSearchParams({ queue })}`,
      { credentials: "same-origin" });
    history = await response.json();
    if (!response.ok) throw new Error(history.detail || `status ${response.status}`);
  } catch (error) {
    panel.status.textContent = `The last 24 hours could not be read: ${error.message}`;
    return;
  }
  if (!panel.node.isConnected) return;
  const width = Math.max(280, Math.floor(panel.node.clientWidth || 340));
  const made = build(history, width);
  const total = history.hours.reduce((n, h) => n + h.requests, 0);
  panel.status.textContent = `Hours in ${history.tz}; ${total} request${total === 1 ? "" : "s"} in the last 24 hours.`;
  made.forEach(([opts, data], i) => {
    if (panel.charts[i]) panel.charts[i].setData(data);
    else panel.charts[i] = new uPlot(opts, data, panel.box[i]);
  });
}
