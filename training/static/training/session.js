// The session's sign-in screen: poll the live state every 5 s (new QR code and short
// code, who has and has not signed in); full screen for a projector.
(function () {
  "use strict";
  var screen = document.getElementById("signin-screen");
  if (!screen) { return; }
  var url = screen.getAttribute("data-live");
  function fill(list, items, render) {
    while (list.firstChild) { list.removeChild(list.firstChild); }
    items.forEach(function (item) {
      var li = document.createElement("li");
      li.textContent = render(item);
      list.appendChild(li);
    });
  }
  function refresh() {
    fetch(url, {credentials: "same-origin", headers: {"Accept": "application/json"}})
      .then(function (r) { return r.ok ? r.json() : null; })
      .then(function (state) {
        if (!state) { return; }
        document.getElementById("signin-qr").src = state.qr;
        document.getElementById("signin-code").textContent = state.code;
        document.getElementById("signed-count").textContent = state.signed.length;
        document.getElementById("missing-count").textContent = state.missing.length;
        fill(document.getElementById("signed-list"), state.signed,
             function (s) { return s.name + " " + s.at + " " + s.method; });
        fill(document.getElementById("missing-list"), state.missing, function (s) { return s.name; });
      })
      .catch(function () { /* the next poll tries again */ });
  }
  setInterval(refresh, 5000);
  var button = document.getElementById("signin-fullscreen");
  if (button && screen.requestFullscreen) {
    button.addEventListener("click", function () { screen.requestFullscreen(); });
  }
})();
