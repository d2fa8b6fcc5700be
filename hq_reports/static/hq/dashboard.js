/* HQ dashboard pages: draw the ECharts charts from the body embedded in the page. */
(function () {
  "use strict";
  const data = document.getElementById("hq-body");
  if (!data || typeof echarts === "undefined" || !window.crmMoney) return;
  const money = window.crmMoney;
  // Amounts in tooltips in the compact form, on axes without needless decimals.
  const amountTooltip = { valueFormatter: money.compact };
  const body = JSON.parse(data.textContent);
  const labels = JSON.parse(document.getElementById("hq-labels").textContent);
  const charts = [];

  function chart(id) {
    const el = document.getElementById(id);
    if (!el) return null;
    const c = echarts.init(el);
    charts.push(c);
    return c;
  }

  function bars(id, rows, nameKey, valueKey) {
    const c = chart(id);
    if (!c) return;
    const list = rows.slice().reverse();
    c.setOption({
      tooltip: { trigger: "axis" },
      grid: { left: 8, right: 24, top: 8, bottom: 8, containLabel: true },
      // A narrow chart (a third of a row) has no room for every amount of the axis: labels that
      // would overlap ("¥50万¥100万") are left out.
      xAxis: { type: "value", axisLabel: { formatter: money.axis, hideOverlap: true } },
      yAxis: { type: "category", data: list.map((r) => r[nameKey] || "–") },
      series: [{ type: "bar", name: labels.amount, tooltip: amountTooltip, data: list.map((r) => Number(r[valueKey])) }],
    });
  }

  const trend = chart("chart-trend");
  if (trend) {
    trend.setOption({
      tooltip: { trigger: "axis" },
      legend: { top: 0, data: [labels.gmv, labels.orders] },
      grid: { left: 8, right: 8, top: 32, bottom: 8, containLabel: true },
      xAxis: { type: "category", data: body.sales_trend.map((r) => (body.period.range === "today" ? r.bucket.slice(11, 16) : r.bucket.slice(5, 10))) },
      yAxis: [{ type: "value", axisLabel: { formatter: money.axis } }, { type: "value" }],
      series: [
        { name: labels.gmv, type: "line", smooth: true, tooltip: amountTooltip, data: body.sales_trend.map((r) => Number(r.gmv)) },
        { name: labels.orders, type: "bar", yAxisIndex: 1, data: body.sales_trend.map((r) => r.orders) },
      ],
    });
  }
  if (body.stores) bars("chart-stores", body.stores.slice(0, 10), "name", "gmv");
  bars("chart-products", body.product_ranking, "name", "amount");
  bars("chart-categories", body.category_ranking, "name", "amount");
  window.addEventListener("resize", () => charts.forEach((c) => c.resize()));
})();
