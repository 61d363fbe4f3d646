// A form that came back with a mistake: put the cursor in the first field marked invalid, so
// on a long page (hosting) the person lands where the error is, not at the top message.
document.addEventListener("DOMContentLoaded", () => {
  const field = document.querySelector('[aria-invalid="true"]');
  if (!field) return;
  field.focus({ preventScroll: true });
  field.scrollIntoView({ block: "center" });
});

// An htmx swap that replaces the element holding the focus (the free check's progress poll,
// "Check again now", which swaps the whole report with its own button) would leave the focus
// on <body>: the next Tab starts again from the top of the page, and a screen reader is told
// nothing of the new content. htmx itself gives the focus back only to an element with the
// same id. Otherwise: the same control in the new content (same tag, text and section, the
// n-th of its kind), or else the new content's heading, or the new content itself.
const FOCUSABLE = "a[href], button, input, select, textarea, summary, [tabindex]";
let lostFocus = null;

function focusKey(el) {
  const section = el.parentElement ? el.parentElement.closest("[id]") : null;
  return [el.tagName, section ? section.id : "", el.textContent.trim().slice(0, 80)].join("|");
}

document.addEventListener("htmx:beforeSwap", (event) => {
  const target = event.detail.target;
  const active = document.activeElement;
  lostFocus = null;
  if (!target || !active || active === document.body || !target.contains(active)) return;
  const key = focusKey(active);
  const same = [...target.querySelectorAll(FOCUSABLE)].filter((el) => focusKey(el) === key);
  lostFocus = { id: target.id, key, nth: same.indexOf(active) };
});

document.addEventListener("htmx:afterSettle", () => {
  const lost = lostFocus;
  lostFocus = null;
  if (!lost || (document.activeElement && document.activeElement !== document.body)) return;
  const content = lost.id ? document.getElementById(lost.id) : null;
  if (!content) return;
  const same = [...content.querySelectorAll(FOCUSABLE)].filter((el) => focusKey(el) === lost.key);
  let next = same[Math.max(lost.nth, 0)] || same[0];
  if (!next) {
    next = content.querySelector("h1, h2, h3") || content;
    if (!next.hasAttribute("tabindex")) next.setAttribute("tabindex", "-1");
  }
  // The same control stays where it was on the page; a heading is scrolled to.
  next.focus({ preventScroll: same.length > 0 });
});
