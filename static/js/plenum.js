// Plenum's own small script. No inline scripts: the CSP forbids them.
// htmx sends the CSRF token as a header on every request it makes.
document.addEventListener("htmx:configRequest", (event) => {
  const meta = document.querySelector('meta[name="csrf-token"]');
  if (meta) {
    event.detail.headers["X-CSRF-Token"] = meta.content;
  }
});

// Validation errors come back as 422 with the form and its messages: swap them in.
document.addEventListener("htmx:beforeSwap", (event) => {
  // 422: the form again with its errors; 409: a refusal with its reason (e.g. already voted).
  if (event.detail.xhr.status === 422 || event.detail.xhr.status === 409) {
    event.detail.shouldSwap = true;
    event.detail.isError = false;
  }
});

// A secret ballot's tracker is shown once: copy and print buttons, and a warning before
// the member leaves the page without having saved, copied or printed it.
const trackerUnsaved = () => {
  const guard = document.querySelector("[data-tracker-guard]");
  return guard && !guard.hasAttribute("data-saved") ? guard : null;
};
const revealTrackerTools = () => {
  for (const button of document.querySelectorAll("[data-copy][hidden], [data-print][hidden]")) {
    if (button.hasAttribute("data-print") || navigator.clipboard) {
      button.hidden = false;
    }
  }
};
document.addEventListener("DOMContentLoaded", revealTrackerTools);
document.addEventListener("htmx:afterSettle", revealTrackerTools);
document.addEventListener("click", (event) => {
  const target = event.target instanceof Element ? event.target : null;
  const saved = target && target.closest("[data-tracker-saved]");
  if (!saved) {
    return;
  }
  const guard = saved.closest("[data-tracker-guard]");
  if (saved.hasAttribute("data-copy")) {
    const source = document.querySelector(saved.dataset.copy);
    navigator.clipboard.writeText(source ? source.textContent.trim() : "").then(() => {
      const status = guard && guard.querySelector("[data-copy-status]");
      if (status) {
        status.textContent = saved.dataset.copied;
      }
      if (guard) {
        guard.setAttribute("data-saved", "");
      }
    });
    return;
  }
  if (saved.hasAttribute("data-print")) {
    window.print();
  }
  if (guard) {
    guard.setAttribute("data-saved", "");
  }
});
window.addEventListener("beforeunload", (event) => {
  if (trackerUnsaved()) {
    event.preventDefault();
    event.returnValue = "";
  }
});
// Links and forms that htmx follows never unload the page: ask before those too.
document.addEventListener("htmx:confirm", (event) => {
  const guard = trackerUnsaved();
  const by = event.detail.triggeringEvent ? event.detail.triggeringEvent.type : "";
  // Only what the member does (a link, a form) leaves; updates that load by themselves stay.
  if (!guard || guard.contains(event.target) || (by !== "click" && by !== "submit")) {
    return;
  }
  event.preventDefault();
  if (window.confirm(guard.dataset.leaveWarning)) {
    guard.setAttribute("data-saved", "");
    event.detail.issueRequest(true);
  }
});

// The site menu on a phone: folded behind its button (the CSS shows the button only
// with .js-menu, so without JavaScript the menu simply stays open).
document.documentElement.classList.add("js-menu");
document.addEventListener("click", (event) => {
  const toggle = event.target instanceof Element ? event.target.closest(".menu-toggle") : null;
  if (!toggle) {
    return;
  }
  const menu = document.getElementById(toggle.getAttribute("aria-controls"));
  const open = toggle.getAttribute("aria-expanded") !== "true";
  toggle.setAttribute("aria-expanded", String(open));
  menu.classList.toggle("open", open);
  if (open) {
    const first = menu.querySelector("a, input, button");
    if (first) {
      first.focus();
    }
  }
});

// The vote form shows the groups of fields that apply to the chosen method and kind.
const showApplicable = (form) => {
  const method = form.querySelector("[name=method]");
  const kind = form.querySelector("[name=kind]");
  for (const group of form.querySelectorAll("[data-methods], [data-kinds]")) {
    const methods = group.dataset.methods ? group.dataset.methods.split(" ") : null;
    const kinds = group.dataset.kinds ? group.dataset.kinds.split(" ") : null;
    const applies =
      (methods === null || method === null || methods.includes(method.value)) &&
      (kinds === null || kind === null || kinds.includes(kind.value));
    group.hidden = !applies && !group.querySelector(".field-error");  // never hide a mistake
  }
};
const applicableForms = () => document.querySelectorAll("form:has([data-methods], [data-kinds])");
document.addEventListener("DOMContentLoaded", () => applicableForms().forEach(showApplicable));
document.addEventListener("htmx:afterSettle", () => applicableForms().forEach(showApplicable));
document.addEventListener("change", (event) => {
  const form = event.target instanceof Element ? event.target.closest("form") : null;
  if (form && ["method", "kind"].includes(event.target.name) && form.querySelector("[data-methods], [data-kinds]")) {
    showApplicable(form);
  }
});

// A survey question with a condition shows only while the answer it depends on is chosen
// (without JavaScript it always shows, saying when to answer it; the server drops an
// answer whose condition does not hold).
const showConditional = (form) => {
  for (const question of form.querySelectorAll("[data-show-if]")) {
    const chosen = form.querySelector(`[name="${question.dataset.showIf}"]:checked`);
    const controls = form.querySelector(`[name="${question.dataset.showIf}"]`);
    const holds = controls === null || (chosen !== null && chosen.value === question.dataset.showValue);
    question.hidden = !holds && !question.querySelector(".field-error");
  }
};
const conditionalForms = () => document.querySelectorAll("form:has([data-show-if])");
document.addEventListener("DOMContentLoaded", () => conditionalForms().forEach(showConditional));
document.addEventListener("htmx:afterSettle", () => conditionalForms().forEach(showConditional));
document.addEventListener("change", (event) => {
  const form = event.target instanceof Element ? event.target.closest("form") : null;
  if (form && form.querySelector("[data-show-if]")) {
    showConditional(form);
  }
});

// After a swap the member asked for (a click, a submit, a choice), the focus must not fall
// back to the top of the page: when the focused element went away with the old content,
// the new content takes the focus (its autofocus element if it has one, which htmx sets).
// Updates that arrive by themselves (the live room) never move the focus.
document.addEventListener("htmx:afterSettle", (event) => {
  const cause = event.detail.requestConfig && event.detail.requestConfig.triggeringEvent;
  const asked = cause && ["click", "submit", "change"].includes(cause.type);
  if (!asked || event.detail.boosted) {
    return;
  }
  const active = document.activeElement;
  if (active && active !== document.body && document.contains(active)) {
    return;
  }
  let target = event.detail.target;
  if (target && !document.contains(target) && target.id) {
    target = document.getElementById(target.id);  // swapped outerHTML: its successor
  }
  if (target && document.contains(target)) {
    if (!target.hasAttribute("tabindex")) {
      target.setAttribute("tabindex", "-1");
    }
    target.focus({ preventScroll: true });
  }
});

// Quoting lines in a motion's discussion: the numbers of the text beside the form become
// buttons; one sets the quote to that line, with Shift the quote runs up to it.
const quoteForm = () => document.querySelector("fieldset.quote-lines[data-quote-label]");
const prepareQuoting = () => {
  const fieldset = quoteForm();
  if (!fieldset) {
    return;
  }
  // For the mouse and the finger only: the keyboard has the two fields (a tab stop per
  // line would put hundreds of stops between the member and the comments).
  for (const number of document.querySelectorAll(".discussed-text .line-number:not([data-quote])")) {
    number.setAttribute("data-quote", "");
    number.title = fieldset.dataset.quoteLabel.replace("{n}", number.textContent.trim());
  }
};
const markQuoted = (first, last) => {
  for (const line of document.querySelectorAll(".discussed-text .line")) {
    const n = Number(line.id.replace("line-", ""));
    line.classList.toggle("quoted", first > 0 && n >= first && n <= last);
  }
};
const quoteLine = (number, extend) => {
  const first = document.getElementById("field-quote_first");
  const last = document.getElementById("field-quote_last");
  if (!first || !last) {
    return;
  }
  const n = Number(number.textContent.trim());
  const start = Number(first.value);
  if (extend && start > 0) {
    first.value = String(Math.min(start, n));
    last.value = String(Math.max(start, n));
  } else {
    first.value = last.value = String(n);
  }
  markQuoted(Number(first.value), Number(last.value));
};
document.addEventListener("DOMContentLoaded", prepareQuoting);
document.addEventListener("htmx:afterSettle", prepareQuoting);
document.addEventListener("click", (event) => {
  const number = event.target instanceof Element ? event.target.closest(".line-number[data-quote]") : null;
  if (number) {
    quoteLine(number, event.shiftKey);
  }
});

// On a motion's page, each line number of its text also opens the amendment form at that
// line (the form above the text does the same without JavaScript).
const prepareAmending = () => {
  const form = document.querySelector("form.amend-at-line[data-line-label]");
  const text = form && form.parentElement.querySelector(".motion-text");
  if (!text) {
    return;
  }
  for (const number of text.querySelectorAll(".line-number:not([data-amend])")) {
    number.setAttribute("data-amend", "");  // mouse and finger; the keyboard has the form
    number.title = form.dataset.lineLabel.replace("{n}", number.textContent.trim());
  }
};
const amendAt = (number) => {
  const form = document.querySelector("form.amend-at-line");
  window.location.assign(`${form.action}?line=${encodeURIComponent(number.textContent.trim())}`);
};
document.addEventListener("DOMContentLoaded", prepareAmending);
document.addEventListener("htmx:afterSettle", prepareAmending);
document.addEventListener("click", (event) => {
  const number = event.target instanceof Element ? event.target.closest(".line-number[data-amend]") : null;
  if (number) {
    amendAt(number);
  }
});
