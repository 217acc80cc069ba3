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
    drawSubjects(data);
  }
  /* CAST (seed 003): one donut per class, its subjects with their hours, labels in full. */
  function drawSubjects(data) {
    (data.subjects || []).forEach(function (block) {
      var box = document.getElementById("chart-subjects-" + block.code);
      if (!box) { return; }
      var shown = block.data.filter(function (d) { return d.value > 0; });
      if (!shown.length) { box.classList.add("chart-empty"); box.textContent = box.getAttribute("data-empty") || ""; return; }
      window.echarts.init(box).setOption({
        tooltip: { trigger: "item", formatter: "{b}: {c} ({d}%)" },
        title: { text: block.name, subtext: String(block.total), left: "center", top: "center",
                 textStyle: { fontSize: 14 }, subtextStyle: { fontSize: 13 } },
        series: [{ type: "pie", radius: ["38%", "60%"], data: shown,
                   label: { show: true, formatter: "{b}\n{c}", width: 120, overflow: "break" },
                   labelLine: { show: true } }]
      });
    });
  }
  if (document.readyState === "loading") { document.addEventListener("DOMContentLoaded", draw); } else { draw(); }
})();
