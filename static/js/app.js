// What markup cannot say under the Content-Security-Policy, which refuses inline handlers and
// style attributes: selects that submit their form when changed, and sizes given as data.
(function () {
  "use strict";
  // A time of day as people read it on the site: in the site's TIME_ZONE (the template puts it on
  // <html data-time-zone>), as every server-rendered page shows times, whatever clock zone the
  // device keeps, and written the page's language's way.
  const siteClock = (() => {
    const language = document.documentElement.lang;
    const options = { hour: "2-digit", minute: "2-digit", second: "2-digit" };
    try {
      return new Intl.DateTimeFormat(language, Object.assign({ timeZone: document.documentElement.dataset.timeZone }, options));
    } catch (e) {
      return new Intl.DateTimeFormat(language, options); // a zone this browser does not know
    }
  })();
  window.siteTime = (moment) => siteClock.format(moment);
  // An account given a temporary password must choose its own before anything else
  // (orgs.passwords): a script's request (an autosave, a heartbeat, an upload chunk, a screen's
  // poll) is then refused 403 password_change_required, and the page reloads, which takes the
  // member to the password page. Every script's fetch passes here.
  const plainFetch = window.fetch.bind(window);
  window.fetch = async function (...args) {
    const response = await plainFetch(...args);
    if (response.status === 403) {
      const payload = await response.clone().json().catch(() => null);
      if (payload && payload.error && payload.error.code === "password_change_required") window.location.reload();
    }
    return response;
  };
  document.querySelectorAll("select[data-submit-on-change]").forEach((select) => {
    select.addEventListener("change", () => select.form.submit());
  });
  // Setting a style from script (the CSSOM) is allowed where a style attribute is not.
  document.querySelectorAll("[data-percent]").forEach((element) => {
    element.style.width = element.dataset.percent + "%";
  });
  document.querySelectorAll("button[data-print]").forEach((button) => {
    button.addEventListener("click", () => window.print());
  });
  document.querySelectorAll("[data-depth]").forEach((element) => {
    element.style.setProperty("--depth", element.dataset.depth);
  });
  // A box with a most length (data-length-note) counts its characters once near the limit, and
  // says so when a paste was cut to fit, in the note after it: the browser cuts silently. Pages
  // that build such boxes (a live contest's phone) call window.lengthNote on each.
  window.lengthNote = (input) => {
    const note = input.nextElementSibling;
    let cut = false;
    const show = () => {
      const length = input.value.length;
      const near = length >= input.maxLength * 0.8;
      note.hidden = !near && !cut;
      note.classList.toggle("text-danger", length >= input.maxLength);
      note.textContent = cut && length >= input.maxLength ? note.dataset.cut : note.dataset.count.replace("__N__", length);
    };
    // What an insertion would add, against the room left: more than fits is cut by the browser.
    const check = (added) => {
      const kept = input.value.length - (input.selectionEnd - input.selectionStart);
      cut = added !== null && kept + added.length > input.maxLength;
    };
    input.addEventListener("paste", (event) => check(event.clipboardData ? event.clipboardData.getData("text") : null));
    input.addEventListener("beforeinput", (event) => {
      // Typing one more character at the limit is not a cut: the count says the box is full.
      const added = event.data !== null ? event.data : event.dataTransfer ? event.dataTransfer.getData("text/plain") : null;
      if (event.inputType === "insertFromPaste" || (event.inputType === "insertText" && added && added.length > 1)) check(added);
      else cut = false;
    });
    input.addEventListener("input", show);
    show();
  };
  document.querySelectorAll("input[data-length-note]").forEach(window.lengthNote);
  // A text box with a limit says, under it, how much is typed of the most it takes ("120 / 2000");
  // the browser's maxlength stops typing at the limit and the server refuses more.
  document.querySelectorAll("textarea[data-counter][maxlength], input[data-counter][maxlength]").forEach((box) => {
    const counter = document.createElement("div");
    counter.className = "form-text text-end qs-counter";
    // Read with the box when it is reached, not after every key typed (a live region did).
    counter.id = (box.id || box.name) + "-counter";
    box.setAttribute("aria-describedby", [box.getAttribute("aria-describedby"), counter.id].filter(Boolean).join(" "));
    const show = () => { counter.textContent = box.value.length + " / " + box.maxLength; };
    box.after(counter);
    box.addEventListener("input", show);
    show();
  });
  // The bell's count is the server's: a page brought back from the back-forward cache shows the
  // count it had when left (a notification opened since reads as unread), so it asks again.
  const bell = document.getElementById("notification-bell");
  window.addEventListener("pageshow", async (event) => {
    if (!event.persisted || !bell || !bell.dataset.unreadUrl) return;
    const response = await fetch(bell.dataset.unreadUrl, { credentials: "same-origin" }).catch(() => null);
    if (!response || !response.ok) return;
    const { unread } = await response.json();
    // The bell's name carries the count: its aria-label, which a screen reader reads instead of the badge.
    bell.setAttribute("aria-label", unread ? bell.dataset.labelUnread.replace("__N__", unread) : bell.dataset.label);
    let badge = document.getElementById("unread-count");
    if (!unread) { if (badge) badge.remove(); return; }
    if (!badge) {
      badge = document.createElement("span");
      badge.id = "unread-count";
      badge.className = "position-absolute top-0 start-100 translate-middle badge rounded-pill text-bg-warning";
      bell.append(badge);
    }
    badge.textContent = unread;
  });
  // A dialog opened from a script (the console's hand-over) gives the keyboard back, when it
  // closes, to where it was when it opened: Bootstrap does so only for a data-bs-toggle button.
  document.addEventListener("show.bs.modal", (event) => { event.target.qsOpenedFrom = document.activeElement; });
  document.addEventListener("hidden.bs.modal", (event) => {
    const from = event.target.qsOpenedFrom;
    if (from && from.isConnected && from !== document.body) from.focus();
  });
  // The phone's menu closes with Escape, the keyboard's place back on its button (an open
  // dropdown inside it, Manage or the user menu, closes first, by Bootstrap).
  document.querySelectorAll(".navbar-collapse[id]").forEach((menu) => {
    menu.addEventListener("keydown", (event) => {
      if (event.key !== "Escape" || !menu.classList.contains("show") || menu.querySelector(".dropdown-menu.show")) return;
      bootstrap.Collapse.getOrCreateInstance(menu).hide();
      const toggler = document.querySelector('[data-bs-target="#' + menu.id + '"]');
      if (toggler) toggler.focus();
    });
  });
  // A form whose effect cannot be taken back asks first (data-confirm: the question, translated).
  document.querySelectorAll("form[data-confirm]").forEach((form) => {
    form.addEventListener("submit", (event) => {
      if (!window.confirm(form.dataset.confirm)) event.preventDefault();
    });
  });
})();
