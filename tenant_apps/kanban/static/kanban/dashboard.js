/* The Data Kanban page: reads GET /api/v1/kanban for the chosen range and filters and draws the
   headline cards and the ECharts charts. */
(function () {
  "use strict";
  const form = document.getElementById("kanban-filters");
  if (!form || typeof echarts === "undefined" || !window.crmMoney) return;
  const labels = JSON.parse(document.getElementById("kanban-labels").textContent);
  const charts = {};
  for (const id of ["trend", "mix", "products", "categories", "geography", "devices"]) {
    charts[id] = echarts.init(document.getElementById("chart-" + id));
  }
  window.addEventListener("resize", () => Object.values(charts).forEach((c) => c.resize()));

  const money = window.crmMoney;
  // Cards: amounts in the compact form (the exact amount in the title), counts and rates as they are.
  const fmt = {
    amount: (v) => money.compact(v),
    count: (v) => (v === null ? "—" : Number(v).toLocaleString("en-US")),
    rate: (v) => (v === null ? "—" : (v * 100).toFixed(1) + "%"),
  };

  // The change of a figure: the arrow gives its direction, the colour whether it is good or bad
  // news for that figure (the API's "trend", from the metric catalogue).
  function change(kind, metric) {
    const value = metric.change;
    if (value === null || value === undefined) return { text: "", cls: "", title: "" };
    const size = Math.abs(value * 100).toLocaleString("en-US", { minimumFractionDigits: 1, maximumFractionDigits: 1 });
    const text = kind === "rate" ? size + " " + labels.points : size + "%";
    const arrow = value > 0 ? "▲ " : value < 0 ? "▼ " : "";
    return { text: arrow + text, cls: "trend-" + (metric.trend || "flat"), title: labels.trend[metric.trend] || "" };
  }

  function query() {
    const data = new FormData(form);
    const params = new URLSearchParams();
    for (const [k, v] of data.entries()) if (v) params.set(k, v);
    if (params.get("range") !== "custom") { params.delete("start"); params.delete("end"); }
    return params;
  }

  // Amounts in tooltips in the compact form, on axes without needless decimals.
  const amountTooltip = { valueFormatter: money.compact };

  // Pies: each share written on its slice (the legend names them, the tooltip gives the count).
  // Labels outside the slices do not fit a third of a row: ECharts cut them to "Unkn..." or
  // dropped them altogether.
  const pieSeries = {
    type: "pie",
    center: ["50%", "45%"],
    percentPrecision: 0,
    minShowLabelAngle: 12,
    label: { position: "inside", formatter: "{d}%", color: "#fff", fontWeight: 600, textBorderColor: "rgba(0, 0, 0, 0.45)", textBorderWidth: 2 },
    labelLine: { show: false },
  };

  function bars(chart, rows, nameKey) {
    const list = rows.slice().reverse();
    chart.setOption({
      tooltip: { trigger: "axis" },
      grid: { left: 8, right: 24, top: 8, bottom: 8, containLabel: true },
      xAxis: { type: "value", axisLabel: { formatter: money.axis, hideOverlap: true } },
      yAxis: { type: "category", data: list.map((r) => r[nameKey] || labels.unknown_province) },
      series: [{ type: "bar", name: labels.amount, tooltip: amountTooltip, data: list.map((r) => Number(r.amount ?? r.gmv)) }],
    }, true);
  }

  // Whole-day ranges end at the midnight after their last day: show the last day itself.
  function periodLabel(period) {
    if (period.range === "today") {
      return period.start.slice(0, 10) + " " + period.start.slice(11, 16) + " – " + period.end.slice(11, 16);
    }
    const last = new Date(period.end.slice(0, 10) + "T00:00:00Z");
    last.setUTCDate(last.getUTCDate() - 1);
    return period.start.slice(0, 10) + " – " + last.toISOString().slice(0, 10);
  }

  function draw(body) {
    document.getElementById("kanban-period").textContent = periodLabel(body.period);
    for (const card of document.querySelectorAll("[data-metric]")) {
      const m = body.metrics[card.dataset.metric];
      const kind = card.dataset.kind;
      const value = card.querySelector(".metric-value");
      value.textContent = fmt[kind](m.value);
      value.title = kind === "amount" ? money.full(m.value) : "";
      // The previous value in an element that never wraps: "¥184.40万" stays on one line.
      const previous = document.createElement("span");
      previous.className = "money";
      previous.textContent = fmt[kind](m.previous);
      card.querySelector(".metric-previous").replaceChildren(labels.previous + " ", previous);
      const c = change(kind, m);
      const el = card.querySelector(".metric-change");
      el.textContent = c.text;
      el.title = c.title;
      el.className = "metric-change " + c.cls;
    }
    charts.trend.setOption({
      tooltip: { trigger: "axis" },
      legend: { top: 0, data: [labels.gmv, labels.orders] },
      grid: { left: 8, right: 8, top: 32, bottom: 8, containLabel: true },
      xAxis: { type: "category", data: body.sales_trend.map((r) => (body.period.range === "today" ? r.bucket.slice(11, 16) : r.bucket.slice(5, 10))) },
      yAxis: [{ type: "value", axisLabel: { formatter: money.axis } }, { type: "value" }],
      series: [
        { name: labels.gmv, type: "line", smooth: true, tooltip: amountTooltip, data: body.sales_trend.map((r) => Number(r.gmv)) },
        { name: labels.orders, type: "bar", yAxisIndex: 1, data: body.sales_trend.map((r) => r.orders) },
      ],
    }, true);
    charts.mix.setOption({
      tooltip: { trigger: "item" },
      legend: { bottom: 0 },
      series: [{ ...pieSeries, radius: ["40%", "68%"], data: [
        { name: labels.new, value: body.customer_mix.new.count },
        { name: labels.returning, value: body.customer_mix.returning.count },
      ] }],
    }, true);
    bars(charts.products, body.product_ranking, "name");
    bars(charts.categories, body.category_ranking, "name");
    bars(charts.geography, body.geography.slice(0, 20), "province");
    charts.devices.setOption({
      tooltip: { trigger: "item" },
      legend: { bottom: 0 },
      series: [{ ...pieSeries, radius: [0, "65%"], data: body.devices.map((r) => ({ name: labels.devices[r.device] || r.device, value: r.orders })) }],
    }, true);
  }

  // Only the latest choice is drawn: a slower answer for an earlier range (the first load, say)
  // is aborted instead of overwriting the figures of the range chosen since.
  let pending = null;

  async function load() {
    const params = query();
    if (params.get("range") === "custom" && (!params.get("start") || !params.get("end"))) return;
    const error = document.getElementById("kanban-error");
    if (pending) pending.abort();
    const request = (pending = new AbortController());
    try {
      const response = await fetch(form.dataset.api + "?" + params.toString(), { headers: { Accept: "application/json" }, credentials: "same-origin", signal: request.signal });
      const body = await response.json();
      if (request !== pending) return;
      if (!response.ok) throw new Error(body.detail || labels.error);
      error.classList.add("d-none");
      draw(body);
    } catch (e) {
      if (request.signal.aborted) return;
      error.textContent = e.message || labels.error;
      error.classList.remove("d-none");
    }
  }

  form.addEventListener("change", (event) => {
    if (event.target.name === "range") {
      for (const el of form.querySelectorAll(".custom-range")) el.classList.toggle("d-none", event.target.value !== "custom");
    }
    load();
  });
  load();
})();
