// What a question card holds, shared by the self-study and online-contest attempt pages.
(function () {
  "use strict";

  // The card's answer as the API takes it: the texts of its blanks, the ticked letters, or one.
  function responseOf(card) {
    const inputs = Array.from(card.querySelectorAll("input[name='q" + card.dataset.position + "']"));
    if (card.dataset.type === "fill_blank") return inputs.map((input) => input.value);
    const picked = inputs.filter((input) => input.checked).map((input) => input.value);
    return card.dataset.type === "multiple" ? picked : picked[0] || "";
  }

  function isEmpty(response) {
    return Array.isArray(response) ? response.every((part) => !String(part).trim()) : !response;
  }

  // The numbers (from 1) of a fill-in's empty blanks beside a filled one: an answer not finished.
  function emptyBlanks(card) {
    if (card.dataset.type !== "fill_blank") return [];
    const response = responseOf(card);
    const empty = response.map((part, index) => (part.trim() ? 0 : index + 1)).filter(Boolean);
    return empty.length < response.length ? empty : [];
  }

  // The hand-in's confirmation names how many questions are still blank, and the fill-ins with a
  // blank left empty: submitting by mistake is final. `text` holds the page's data-* messages.
  function confirmText(text) {
    const cards = Array.from(document.querySelectorAll(".qs-question"));
    const blank = cards.filter((card) => isEmpty(responseOf(card))).length;
    const partly = cards.filter((card) => emptyBlanks(card).length).map((card) => card.dataset.position);
    const lines = [];
    if (blank) lines.push(text.unanswered.replace("%(n)s", blank));
    if (partly.length) lines.push(text.partly.replace("%(n)s", partly.join(text.separator)));
    return lines.concat([text.confirm]).join("\n");
  }

  window.qsAnswers = { responseOf: responseOf, isEmpty: isEmpty, emptyBlanks: emptyBlanks, confirmText: confirmText };
})();
