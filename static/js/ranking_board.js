// A leaderboard's score histogram and, when it has groups, the units compared by mean.
(function () {
  "use strict";
  const data = JSON.parse(document.getElementById("chart-data").textContent);
  const red = "#b71c1c";
  new Chart(document.getElementById("histogram-chart"), {type: "bar", data: {labels: data.histogram.labels, datasets: [{data: data.histogram.counts, backgroundColor: red}]}, options: {plugins: {legend: {display: false}}, animation: false, scales: {x: {ticks: {maxRotation: 0, autoSkipPadding: 8}}, y: {beginAtZero: true, ticks: {precision: 0}}}}});
  const groups = document.getElementById("groups-chart");
  // A participation rate's means are in percent: the axis says so.
  const suffix = data.groups.suffix || "";
  if (groups) new Chart(groups, {type: "bar", data: {labels: data.groups.labels, datasets: [{data: data.groups.means, backgroundColor: "#d4a017"}]}, options: {indexAxis: "y", plugins: {legend: {display: false}}, animation: false, scales: {x: {ticks: {callback: (value) => value + suffix}}}}});
})();
