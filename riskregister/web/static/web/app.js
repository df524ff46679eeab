// The pages' only script (the Content Security Policy allows no inline script).
// An htmx request that fails shows its error in place instead of leaving the page blank or stale.
(function () {
  "use strict";
  function showError(target, text) {
    var box = document.getElementById("htmx-error");
    if (box) {
      box.textContent = text;
      box.hidden = false;
      box.scrollIntoView({block: "nearest"});
    }
    if (target && target.setAttribute) {
      target.setAttribute("aria-busy", "false");
    }
  }
  document.addEventListener("htmx:responseError", function (event) {
    var status = event.detail.xhr ? event.detail.xhr.status : 0;
    var reason = status === 403 ? "You are not allowed to do this." : status === 404 ? "That is no longer there." : "The server could not do this just now.";
    showError(event.detail.target, "Not done (" + status + "): " + reason + " Nothing on this page was changed.");
  });
  document.addEventListener("htmx:sendError", function (event) {
    showError(event.detail.target, "Not done: the server could not be reached. Nothing on this page was changed.");
  });
  document.addEventListener("htmx:beforeRequest", function () {
    var box = document.getElementById("htmx-error");
    if (box) { box.hidden = true; }
  });
  // Forms that ask before they delete: <form data-confirm="...">.
  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (form.dataset && form.dataset.confirm && !window.confirm(form.dataset.confirm)) {
      event.preventDefault();
    }
  });
})();
