// Facility and discrimination by question, as bars.
(function () {
  "use strict";
  const canvas = document.getElementById("item-chart");
  if (!canvas) return;
  const data = JSON.parse(document.getElementById("chart-data").textContent);
  new Chart(canvas, {
    type: "bar",
    data: { labels: data.labels, datasets: [
      { label: canvas.dataset.facility, data: data.facility, backgroundColor: "rgba(183, 28, 28, .75)" },
      { label: canvas.dataset.discrimination, data: data.discrimination, backgroundColor: "rgba(212, 160, 23, .8)" },
    ] },
    options: { animation: false, scales: { y: { suggestedMin: -20, suggestedMax: 100 } } },
  });
})();
