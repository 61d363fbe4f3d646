// A form that came back with a mistake: put the cursor in the first field marked invalid, so
// on a long page (hosting) the person lands where the error is, not at the top message.
document.addEventListener("DOMContentLoaded", () => {
  const field = document.querySelector('[aria-invalid="true"]');
  if (!field) return;
  field.focus({ preventScroll: true });
  field.scrollIntoView({ block: "center" });
});
