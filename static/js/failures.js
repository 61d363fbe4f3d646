// htmx swaps nothing when a request fails: an error status (a 500, a 403 after the CSRF token
// changed in another tab) or no answer at all (the connection dropped). The page then went on
// showing what it showed before, silently: the domain list under a filter that said "Failing"
// kept listing every domain, and "Check now" seemed to do nothing. Here such a failure is said
// in a message just before the part of the page that was not updated, read out at once
// (role="alert"), and taken away as soon as a request for that part succeeds. The same failure
// again leaves the note as it is, so it is read out once, not at every poll.

let unnamedTargets = 0;

function targetKey(target) {
  if (!target.id) {
    unnamedTargets += 1;
    target.id = `htmx-target-${unnamedTargets}`;
  }
  return target.id;
}

function clearFailure(key) {
  for (const note of document.querySelectorAll("[data-failure-for]")) {
    if (note.dataset.failureFor === key) note.remove();
  }
}

function showFailure(target, text) {
  if (!target || !target.isConnected) return;
  const key = targetKey(target);
  // The same failure again (a poll failing every second): the note already says it. Inserted
  // anew, a role="alert" is read out again each time.
  const shown = target.previousElementSibling;
  if (shown && shown.dataset.failureFor === key && shown.textContent === text) return;
  clearFailure(key);
  const note = document.createElement("p");
  note.className = "message message-error htmx-failure";
  note.setAttribute("role", "alert");
  note.dataset.failureFor = key;
  note.textContent = text;
  target.before(note);
}

function failedWords(status) {
  if (status === 403) {
    return `the server refused the request (error 403), perhaps because you signed out or in again in another tab. Reload the page and try again.`;
  }
  if (status === 429) {
    return `too many requests for now (error 429). Wait a minute, then try again.`;
  }
  if (status >= 500) {
    return `the server had a problem (error ${status}). Try again in a moment, or reload the page.`;
  }
  return `the server answered with error ${status}. Reload the page and try again.`;
}

document.addEventListener("htmx:responseError", (event) => {
  const status = event.detail.xhr ? event.detail.xhr.status : 0;
  showFailure(
    event.detail.target,
    `This part of the page was not updated: ${failedWords(status)} What is shown below is what was shown before.`,
  );
});

function unreachable(event) {
  showFailure(
    event.detail.target,
    "This part of the page was not updated: mailsec could not be reached. Check your connection, then try again. What is shown below is what was shown before.",
  );
}

document.addEventListener("htmx:sendError", unreachable);
document.addEventListener("htmx:timeout", unreachable);

document.addEventListener("htmx:afterRequest", (event) => {
  const target = event.detail.target;
  if (event.detail.successful && target && target.id) clearFailure(target.id);
});
