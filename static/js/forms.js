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
// same id. Otherwise: the same control in the new content (same tag, name and section, the
// n-th of its kind), or else the heading of its section, or of the new content, or the new
// content itself.
const FOCUSABLE = "a[href], button, input, select, textarea, summary, [tabindex]";
let lostFocus = null;

function focusKey(el) {
  const section = el.parentElement ? el.parentElement.closest("[id]") : null;
  // What names the control whatever its text says at the moment: a copy button reads
  // "Copied" for 2 s (copy.js) and the new content's button "Copy"; the "N more findings"
  // summary of a fold counts what the last poll found. By text alone neither is found again,
  // and the focus fell to the first heading, scrolling the page to the top.
  const fold = el.tagName === "SUMMARY" ? el.closest("details[data-keep-open]") : null;
  const stable = [
    el.getAttribute("aria-label"),
    el.dataset.copyTarget,
    fold && fold.querySelector(":scope > summary") === el ? fold.dataset.keepOpen : null,
  ].filter(Boolean);
  const name = stable.length ? stable.join("|") : (el.dataset.copyLabel ?? el.textContent);
  return [el.tagName, section ? section.id : "", name.trim().slice(0, 80)].join("|");
}

document.addEventListener("htmx:beforeSwap", (event) => {
  const target = event.detail.target;
  const active = document.activeElement;
  lostFocus = null;
  if (!target || !active || active === document.body || !target.contains(active)) return;
  const key = focusKey(active);
  const same = [...target.querySelectorAll(FOCUSABLE)].filter((el) => focusKey(el) === key);
  const section = active.parentElement ? active.parentElement.closest("[id]") : null;
  lostFocus = {
    id: target.id,
    key,
    nth: same.indexOf(active),
    section: section && target.contains(section) ? section.id : "",
  };
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
    // The control is gone: the heading of the part it was in, when that part is still
    // there, rather than the first of the page.
    const section = lost.section ? document.getElementById(lost.section) : null;
    const around = section && content.contains(section) ? section : content;
    next = around.querySelector("h1, h2, h3") || around;
    if (!next.hasAttribute("tabindex")) next.setAttribute("tabindex", "-1");
  }
  // Never scrolled to: the visitor stays where they were reading (a heading brought into
  // view put someone who had just copied a fix at the top of the page).
  next.focus({ preventScroll: true });
});

// The free check's progress poll re-renders all the results once a second, so every <details>
// came back as the server wrote it: closed. A visitor who opened a finding's evidence lost it
// within a second, and the place they had scrolled to in a long evidence box with it. Such a
// <details> carries data-keep-open, a key that names the same thing in the next rendering
// (templates/freecheck/_results.html, _finding.html): before a swap we note per key whether it
// was open and how far its boxes were scrolled, after the swap we set the new ones so.
// Simpler and safer than swapping only the mechanisms still under way (hx-preserve on the
// finished ones): a finished mechanism's card still changes when the check ends (its badge and
// what is folded away depend on the score, which comes last), and a preserved card would stay
// stale; here the server's rendering is always shown, only the visitor's opening carries over.
// A key rather than an id: htmx gives an element with an id its new attributes back once the
// swap settles, which would close it again. (The domain page's progress poll swaps only its
// progress box, which holds no <details>.)
const KEPT = "details[data-keep-open]";
let kept = null;

function ownElements(details) {
  // Its own, not those of a <details> inside it: that one has its own key.
  return [...details.querySelectorAll("*")].filter((el) => el.closest(KEPT) === details);
}

document.addEventListener("htmx:beforeSwap", (event) => {
  const target = event.detail.target;
  kept = new Map();
  if (!target) return;
  for (const details of target.querySelectorAll(KEPT)) {
    const scrolled = [];
    ownElements(details).forEach((el, i) => {
      if (el.scrollTop || el.scrollLeft) scrolled.push([i, el.scrollTop, el.scrollLeft]);
    });
    kept.set(details.dataset.keepOpen, { open: details.open, scrolled });
  }
});

document.addEventListener("htmx:afterSwap", () => {
  const state = kept;
  kept = null;
  if (!state || state.size === 0) return;
  // In document order: an outer <details> is open before the boxes inside it are scrolled.
  for (const details of document.querySelectorAll(KEPT)) {
    const was = state.get(details.dataset.keepOpen);
    if (!was) continue;
    details.open = was.open;
    const own = ownElements(details);
    for (const [i, top, left] of was.scrolled) {
      if (!own[i]) continue;
      own[i].scrollTop = top;
      own[i].scrollLeft = left;
    }
  }
});
