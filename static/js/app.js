/* app.js: progressive enhancement only; every page works without it. */
document.addEventListener("submit", function (event) {
  // Buttons with data-confirm ask before submitting (deactivate, reset password ...).
  var button = event.submitter;
  var message = button && button.getAttribute("data-confirm");
  if (message && !window.confirm(message)) {
    event.preventDefault();
  }
}, true);
