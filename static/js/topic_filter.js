// Practice by topic: the box above the list hides, as the member types, the knowledge points
// whose name and bank do not contain every word typed (a bank whose points are all hidden goes
// too), and says so when none is left. Without this script the box stays hidden and the whole
// list is there.
(function () {
  "use strict";
  const box = document.getElementById("topic-filter");
  const list = document.getElementById("topics");
  if (!box || !list) return;
  const items = Array.from(list.querySelectorAll(".qs-topic-item"));
  const groups = Array.from(list.querySelectorAll(".qs-topic-group"));
  const none = document.getElementById("topic-no-match");

  function apply() {
    const words = box.value.toLowerCase().split(/\s+/).filter(Boolean);
    let shown = 0;
    for (const item of items) {
      const text = item.dataset.search || "";
      const match = words.every((word) => text.includes(word));
      item.hidden = !match;
      if (match) shown += 1;
    }
    for (const group of groups) {
      group.hidden = !group.querySelector(".qs-topic-item:not([hidden])");
    }
    if (none) none.hidden = shown > 0;
  }

  box.hidden = false;
  box.addEventListener("input", apply);
  // A value the browser kept when the member comes back to the page still filters.
  apply();
})();
