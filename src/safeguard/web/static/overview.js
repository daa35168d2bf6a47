// Draws the tier chart from the figures embedded in the page (no network, no inline script).
(function () {
  "use strict";
  var data = JSON.parse(document.getElementById("chart-data").textContent);
  var canvas = document.getElementById("tier-chart");
  if (!canvas || typeof Chart === "undefined") { return; }
  var tiers = Object.keys(data.tiers);
  new Chart(canvas, {
    type: "bar",
    data: {
      labels: tiers.map(function (t) { return "Tier " + t; }),
      datasets: [{ label: "subjects", data: tiers.map(function (t) { return data.tiers[t]; }),
                   backgroundColor: ["#b3261e", "#e8710a", "#f9ab00", "#5f6368"] }]
    },
    options: { animation: false, plugins: { legend: { display: false } } }
  });
  canvas.dataset.rendered = "true";
})();
