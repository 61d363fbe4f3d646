// The account page's time zone list, for someone who never chose one: preselect the
// browser's own zone when the list has it, and say so. Nothing is saved until they press
// "Save time zone" (the server keeps UTC until then). Without this script, or with a zone
// the list does not have, the list stays as the server sent it.
document.addEventListener("DOMContentLoaded", () => {
  const select = document.querySelector("select[data-suggest-browser-zone]");
  if (!select) return;
  let zone = "";
  try {
    zone = Intl.DateTimeFormat().resolvedOptions().timeZone || "";
  } catch (e) {
    return;
  }
  if (!zone || zone === select.value) return;
  const option = Array.from(select.options).find((o) => o.value === zone);
  if (!option) return;
  option.selected = true;
  const note = document.getElementById("time-zone-suggested");
  if (note) {
    note.textContent = `Your browser's time zone, ${zone}, is selected: press Save time zone to use it.`;
    note.hidden = false;
  }
});
