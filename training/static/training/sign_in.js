// The learner's sign-in page: where the session checks the location, fill the hidden
// position fields from the Geolocation API before the form is sent.
(function () {
  "use strict";
  var form = document.getElementById("sign-in-form");
  if (!form || form.getAttribute("data-location") !== "1") { return; }
  var status = document.getElementById("location-status");
  var ready = false;
  form.addEventListener("submit", function (event) {
    if (ready || !navigator.geolocation) { return; }
    event.preventDefault();
    navigator.geolocation.getCurrentPosition(function (pos) {
      form.elements.latitude.value = pos.coords.latitude;
      form.elements.longitude.value = pos.coords.longitude;
      form.elements.accuracy.value = pos.coords.accuracy;
      ready = true;
      form.submit();
    }, function () {
      if (status) { status.textContent = status.getAttribute("data-denied") || status.textContent; }
      ready = true;
      form.submit();
    }, {enableHighAccuracy: true, timeout: 15000, maximumAge: 0});
  });
})();
