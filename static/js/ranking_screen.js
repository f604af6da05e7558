// Ten rows a page, turning every 8 seconds: readable from the back of the hall.
(function () {
  "use strict";
  const rows = Array.from(document.querySelectorAll("#screen-rows li"));
  const pages = Math.max(1, Math.ceil(rows.length / 10));
  const label = document.getElementById("screen-page");
  let page = 0;
  function show() {
    rows.forEach((row, index) => { row.hidden = Math.floor(index / 10) !== page; });
    label.textContent = pages > 1 ? (page + 1) + " / " + pages : "";
    page = (page + 1) % pages;
  }
  show();
  if (pages > 1) setInterval(show, 8000);
})();
