/* app.js: progressive enhancement only; every page works without it. */
document.addEventListener("submit", function (event) {
  // Buttons with data-confirm ask before submitting (deactivate, reset password ...).
  var button = event.submitter;
  var message = button && button.getAttribute("data-confirm");
  if (message && !window.confirm(message)) {
    event.preventDefault();
  }
}, true);

// Elements with data-poll replace themselves with the answer of that URL every second,
// until the answer carries no data-poll (the progress of a queued import, core/jobs.py).
function xueshiPoll(element) {
  window.setTimeout(function () {
    fetch(element.getAttribute("data-poll"), {credentials: "same-origin"})
      .then(function (response) { return response.ok ? response.text() : null; })
      .then(function (html) {
        if (html === null) { xueshiPoll(element); return; }
        var holder = document.createElement("div");
        holder.innerHTML = html.trim();
        var fresh = holder.firstElementChild;
        element.replaceWith(fresh);
        if (fresh.hasAttribute("data-poll")) { xueshiPoll(fresh); }
      })
      .catch(function () { xueshiPoll(element); });
  }, 1000);
}
document.addEventListener("DOMContentLoaded", function () {
  document.querySelectorAll("[data-poll]").forEach(xueshiPoll);
  // On a phone the side menu is a scrolling tab bar: bring the current tab into view.
  var tab = document.querySelector(".sidebar a.active");
  if (tab && tab.parentElement.scrollWidth > tab.parentElement.clientWidth) {
    tab.parentElement.scrollLeft = tab.offsetLeft - 16;
  }
});
