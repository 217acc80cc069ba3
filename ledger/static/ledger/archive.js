/* 我的档案 charts, drawn from the JSON the page embeds (no inline script). */
(function () {
  function draw() {
    var source = document.getElementById("archive-data");
    if (!source || !window.echarts) { return; }
    var data = JSON.parse(source.textContent);
    var months = document.getElementById("chart-months");
    if (months && data.months.length) {
      window.echarts.init(months).setOption({
        tooltip: { trigger: "axis" },
        legend: { top: 0 },
        grid: { left: 40, right: 10, top: 30, bottom: 30 },
        xAxis: { type: "category", data: data.months },
        yAxis: { type: "value", name: "h" },
        series: data.series.map(function (s) { return { name: s.name, type: "bar", stack: "h", data: s.data }; })
      });
    }
    var classes = document.getElementById("chart-classes");
    if (classes && data.effective.length) {
      window.echarts.init(classes).setOption({
        tooltip: { trigger: "item" },
        series: [{ type: "pie", radius: ["35%", "65%"], data: data.effective }]
      });
    }
  }
  if (document.readyState === "loading") { document.addEventListener("DOMContentLoaded", draw); } else { draw(); }
})();
