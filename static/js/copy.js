// Copy buttons: <button data-copy-target="ID"> copies the text of element ID.

// The button's new text ("Copied") is seen, not heard: a screen reader reads a button's name
// when it gets the focus, not when its text changes (and the fix buttons' aria-label hides the
// text anyway). One polite live region says it. It is in the page from the start, because a
// region added at the moment it speaks is often not announced, and outside anything htmx
// swaps, because the free check's poll replaces the button itself within a second.
const copyStatus = document.createElement("div");
copyStatus.className = "visually-hidden";
// No role="status": that role names the page's own message box (one a page, which the browser
// tests find by it); this region only echoes a button.
copyStatus.setAttribute("aria-live", "polite");
copyStatus.dataset.copyStatus = "";
document.body.append(copyStatus);

function announce(text) {
  // Emptied first and filled a moment later: a second copy says "Copied" again, which a
  // region whose text stays the same would not.
  copyStatus.textContent = "";
  setTimeout(() => { copyStatus.textContent = text; }, 100);
}

const restoreTimers = new WeakMap();

document.addEventListener("click", async (event) => {
  const button = event.target.closest("[data-copy-target]");
  if (!button) return;
  const source = document.getElementById(button.dataset.copyTarget);
  if (!source) return;
  // The label from before the first press: a second press within 2 s would otherwise take
  // "Copied" for the label and put it back for good.
  if (button.dataset.copyLabel === undefined) button.dataset.copyLabel = button.textContent;
  let said;
  try {
    await navigator.clipboard.writeText(source.textContent.trim());
    said = "Copied";
  } catch (err) {
    // Clipboard refused (plain http, old browser): select the text so Ctrl+C works.
    const range = document.createRange();
    range.selectNodeContents(source);
    const selection = window.getSelection();
    selection.removeAllRanges();
    selection.addRange(range);
    said = "Press Ctrl+C";
  }
  button.textContent = said;
  announce(said);
  clearTimeout(restoreTimers.get(button));
  restoreTimers.set(button, setTimeout(() => {
    button.textContent = button.dataset.copyLabel;
    // Not read out later, out of context, by someone reading the page line by line.
    if (copyStatus.textContent === said) copyStatus.textContent = "";
  }, 2000));
});
