// Draws the dashboard's charts from the figures embedded in the page as JSON (a data block,
// not a script: no network, no inline script). Each canvas gets data-rendered once drawn.
(function () {
  "use strict";
  var source = document.getElementById("chart-data");
  if (!source || typeof Chart === "undefined") { return; }
  var data = JSON.parse(source.textContent);
  var palette = ["#b3261e", "#e8710a", "#f9ab00", "#5f6368", "#0b57d0", "#137333",
                 "#9334e6", "#00838f", "#c5221f", "#3c4043", "#1967d2", "#188038"];

  function bar(id, figures, label, name) {
    var canvas = document.getElementById(id);
    if (!canvas) { return; }
    var keys = Object.keys(figures || {});
    new Chart(canvas, {
      type: "bar",
      data: {
        labels: keys.map(name),
        datasets: [{ label: label, data: keys.map(function (k) { return figures[k]; }),
                     backgroundColor: palette }]
      },
      options: { animation: false, plugins: { legend: { display: false } } }
    });
    canvas.dataset.rendered = "true";
  }

  function words(k) { return k.replace(/_/g, " "); }
  bar("tier-chart", data.tiers, "subjects", function (t) { return "Tier " + t; });
  bar("status-chart", data.packages_by_status, "packages", words);
  bar("outcome-chart", data.outcomes, "outcomes", words);
})();
