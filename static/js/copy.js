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

function selectContents(el) {
  const range = document.createRange();
  range.selectNodeContents(el);
  const selection = window.getSelection();
  selection.removeAllRanges();
  selection.addRange(range);
}

// The element whose text is selected for Ctrl+C (the clipboard could not be written), by id.
let toCopyByHand = null;

function stillSelected(el) {
  const selection = window.getSelection();
  if (selection.rangeCount !== 1) return false;
  const range = selection.getRangeAt(0);
  return el.contains(range.commonAncestorContainer) && range.toString() === el.textContent;
}

function copyCommand(source) {
  // The Clipboard API exists only in secure contexts (none on plain http) and may be
  // refused; the older copy command works there, from a click. Deprecated, but every browser
  // still has it; it copies the selection, which is then cleared again.
  selectContents(source);
  let copied = false;
  try {
    copied = document.execCommand("copy");
  } catch (err) {
    copied = false;
  }
  if (copied) window.getSelection().removeAllRanges();
  return copied;
}

// A box with values the owner fills in (domains/_fix_parts.html: a field for "<the public key>")
// copies its text with what was typed in each field, and nothing while one is empty: pasted
// into DNS with the placeholder in it, the record would not work and nothing would say so.
function fillIns(source) {
  return [...source.querySelectorAll("input[data-fill]")];
}

// A TXT value of one string over 255 octets (RFC 1035 §3.3.14), as a filled-in key makes it,
// copied as the quoted strings every other box gives for one (checks.dns.quote_txt): zone
// files and most DNS panels refuse a longer string, and receivers join the strings with
// nothing between them. Splits fall between characters, never inside one.
const TXT_STRING_LIMIT = 255;

function txtStrings(value) {
  const encoder = new TextEncoder();
  if (encoder.encode(value).length <= TXT_STRING_LIMIT) return value;
  const chunks = [];
  let current = "";
  let size = 0;
  for (const char of value) {
    const octets = encoder.encode(char).length;
    if (current && size + octets > TXT_STRING_LIMIT) {
      chunks.push(current);
      current = "";
      size = 0;
    }
    current += char;
    size += octets;
  }
  chunks.push(current);
  const quoted = (c) => '"' + c.replace(/\\/g, "\\\\").replace(/"/g, '\\"') + '"';
  return chunks.map(quoted).join(" ");
}

function textOf(source) {
  if (!fillIns(source).length) return source.textContent.trim();
  const filled = (node) => node.nodeType === Node.ELEMENT_NODE && node.matches("input[data-fill]");
  const text = [...source.childNodes]
    .map((node) => (filled(node) ? node.value.trim() : node.textContent))
    .join("")
    .trim();
  // data-txt-string: the box holds a TXT value of one string, unquoted (fixparts.FixPart).
  return source.dataset.txtString !== undefined ? txtStrings(text) : text;
}

function copyFilledIn(text) {
  // The copy command copies a selection, and a selection leaves out what fields hold: the
  // text is put in a field of its own, off screen, for the moment of the copy.
  const area = document.createElement("textarea");
  area.className = "visually-hidden";
  area.value = text;
  area.setAttribute("readonly", "");
  document.body.append(area);
  area.select();
  let copied = false;
  try {
    copied = document.execCommand("copy");
  } catch (err) {
    copied = false;
  }
  area.remove();
  return copied;
}

document.addEventListener("click", async (event) => {
  const button = event.target.closest("[data-copy-target]");
  if (!button) return;
  const source = document.getElementById(button.dataset.copyTarget);
  if (!source) return;
  // The label from before the first press: a second press within 2 s would otherwise take
  // "Copied" for the label and put it back for good.
  if (button.dataset.copyLabel === undefined) button.dataset.copyLabel = button.textContent;
  let said = "Copied";
  toCopyByHand = null;
  const empty = fillIns(source).find((field) => !field.value.trim());
  if (empty) {
    empty.focus();
    said = "Fill in first";
  } else {
    const filled = fillIns(source).length > 0;
    try {
      await navigator.clipboard.writeText(textOf(source));
    } catch (err) {
      if (filled) {
        if (!copyFilledIn(textOf(source))) said = "Could not copy";
      } else if (!copyCommand(source)) {
        // Refused as well: the text stays selected so Ctrl+C works.
        selectContents(source);
        toCopyByHand = source.id;
        said = "Press Ctrl+C";
      }
    }
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

// The free check's poll replaces the results once a second, and with them the selected text:
// the page would go on saying "Press Ctrl+C" with nothing selected. The same element of the
// new content is selected again, as long as the visitor has not selected something else.
let reselect = null;

document.addEventListener("htmx:beforeSwap", (event) => {
  reselect = null;
  const target = event.detail.target;
  const source = toCopyByHand ? document.getElementById(toCopyByHand) : null;
  if (!source || !stillSelected(source)) {
    toCopyByHand = null;
    return;
  }
  if (target && target.contains(source)) reselect = toCopyByHand;
});

document.addEventListener("htmx:afterSwap", () => {
  const source = reselect ? document.getElementById(reselect) : null;
  reselect = null;
  if (source) selectContents(source);
  else if (toCopyByHand && !document.getElementById(toCopyByHand)) toCopyByHand = null;
});
