/* 培训统计 dashboards, drawn from the JSON the page embeds (no inline script). Every bar
   links to the people it counts: a click opens the staff overview filtered to them. */
(function () {
  function open(params) {
    if (params && params.data && params.data.url) { window.location.href = params.data.url; }
  }
  function bars(el, items, value, name) {
    if (!el || !items.length) { return; }
    var chart = window.echarts.init(el);
    chart.setOption({
      tooltip: { trigger: "item" },
      grid: { left: 40, right: 10, top: 20, bottom: 60 },
      xAxis: { type: "category", data: items.map(function (d) { return d.name; }), axisLabel: { rotate: 30 } },
      yAxis: { type: "value", name: name },
      series: [{ type: "bar", data: items.map(function (d) { return { value: d[value], url: d.url }; }) }]
    });
    chart.on("click", open);
  }
  function draw() {
    var source = document.getElementById("dashboard-data");
    if (!source || !window.echarts) { return; }
    var data = JSON.parse(source.textContent);
    bars(document.getElementById("chart-departments"), data.departments || [], "rate", "%");
    bars(document.getElementById("chart-institutes"), data.institutes || [], "rate", "%");
    bars(document.getElementById("chart-bands"), data.bands || [], "count", "");
    var months = document.getElementById("chart-progress");
    if (months && data.months) {
      window.echarts.init(months).setOption({
        tooltip: { trigger: "axis" },
        legend: { top: 0 },
        grid: { left: 40, right: 10, top: 30, bottom: 30 },
        xAxis: { type: "category", data: data.months.map(function (m) { return m.month; }) },
        yAxis: { type: "value", name: "h" },
        series: [
          { name: months.getAttribute("data-average"), type: "line", data: data.months.map(function (m) { return m.average; }) },
          { name: months.getAttribute("data-pace"), type: "line", lineStyle: { type: "dashed" }, data: data.months.map(function (m) { return m.pace; }) }
        ]
      });
    }
  }
  if (document.readyState === "loading") { document.addEventListener("DOMContentLoaded", draw); } else { draw(); }
})();
