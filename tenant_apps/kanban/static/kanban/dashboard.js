/* The Data Kanban page: reads GET /api/v1/kanban for the chosen range and filters and draws the
   headline cards and the ECharts charts. */
(function () {
  "use strict";
  const form = document.getElementById("kanban-filters");
  if (!form || typeof echarts === "undefined") return;
  const labels = JSON.parse(document.getElementById("kanban-labels").textContent);
  const charts = {};
  for (const id of ["trend", "mix", "products", "categories", "geography", "devices"]) {
    charts[id] = echarts.init(document.getElementById("chart-" + id));
  }
  window.addEventListener("resize", () => Object.values(charts).forEach((c) => c.resize()));

  const fmt = {
    money: (v) => (v === null ? "–" : "¥" + Number(v).toLocaleString(undefined, { minimumFractionDigits: 2, maximumFractionDigits: 2 })),
    count: (v) => (v === null ? "–" : Number(v).toLocaleString()),
    rate: (v) => (v === null ? "–" : (v * 100).toFixed(1) + "%"),
  };

  function change(kind, value) {
    if (value === null || value === undefined) return { text: "", cls: "" };
    const text = kind === "rate" ? (value * 100).toFixed(1) + " pt" : (value * 100).toFixed(1) + "%";
    return { text: (value > 0 ? "▲ " : value < 0 ? "▼ " : "") + text, cls: value > 0 ? "text-success" : value < 0 ? "text-danger" : "" };
  }

  function query() {
    const data = new FormData(form);
    const params = new URLSearchParams();
    for (const [k, v] of data.entries()) if (v) params.set(k, v);
    if (params.get("range") !== "custom") { params.delete("start"); params.delete("end"); }
    return params;
  }

  function bars(chart, rows, nameKey) {
    const list = rows.slice().reverse();
    chart.setOption({
      tooltip: { trigger: "axis" },
      grid: { left: 8, right: 24, top: 8, bottom: 8, containLabel: true },
      xAxis: { type: "value" },
      yAxis: { type: "category", data: list.map((r) => r[nameKey] || labels.unknown_province) },
      series: [{ type: "bar", name: labels.amount, data: list.map((r) => Number(r.amount ?? r.gmv)) }],
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
      card.querySelector(".metric-value").textContent = fmt[kind](m.value);
      card.querySelector(".metric-previous").textContent = labels.previous + " " + fmt[kind](m.previous);
      const c = change(kind, m.change);
      const el = card.querySelector(".metric-change");
      el.textContent = c.text;
      el.className = "metric-change " + c.cls;
    }
    charts.trend.setOption({
      tooltip: { trigger: "axis" },
      legend: { data: [labels.gmv, labels.orders] },
      grid: { left: 8, right: 8, top: 32, bottom: 8, containLabel: true },
      xAxis: { type: "category", data: body.sales_trend.map((r) => (body.period.range === "today" ? r.bucket.slice(11, 16) : r.bucket.slice(5, 10))) },
      yAxis: [{ type: "value" }, { type: "value" }],
      series: [
        { name: labels.gmv, type: "line", smooth: true, data: body.sales_trend.map((r) => Number(r.gmv)) },
        { name: labels.orders, type: "bar", yAxisIndex: 1, data: body.sales_trend.map((r) => r.orders) },
      ],
    }, true);
    charts.mix.setOption({
      tooltip: { trigger: "item" },
      legend: { bottom: 0 },
      series: [{ type: "pie", radius: ["40%", "70%"], data: [
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
      series: [{ type: "pie", radius: "65%", data: body.devices.map((r) => ({ name: labels.devices[r.device] || r.device, value: r.orders })) }],
    }, true);
  }

  async function load() {
    const params = query();
    if (params.get("range") === "custom" && (!params.get("start") || !params.get("end"))) return;
    const error = document.getElementById("kanban-error");
    try {
      const response = await fetch(form.dataset.api + "?" + params.toString(), { headers: { Accept: "application/json" }, credentials: "same-origin" });
      const body = await response.json();
      if (!response.ok) throw new Error(body.detail || labels.error);
      error.classList.add("d-none");
      draw(body);
    } catch (e) {
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
