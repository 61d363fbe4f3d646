// Forms with data-confirm="question" are sent only once the question is answered OK. Here
// rather than in an onsubmit attribute: the Content-Security-Policy runs no inline script.
document.addEventListener("submit", (event) => {
  const form = event.target.closest("form[data-confirm]");
  if (form && !window.confirm(form.dataset.confirm)) event.preventDefault();
});
