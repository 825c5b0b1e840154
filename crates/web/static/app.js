// Progressive enhancement only: every page works without this file.
document.addEventListener("submit", function (e) {
  var form = e.target;
  var question = form.getAttribute("data-confirm");
  if (question && !window.confirm(question)) { e.preventDefault(); return; }
  var busy = form.getAttribute("data-progress");
  if (busy) {
    var bar = form.querySelector("progress");
    if (bar) { bar.hidden = false; }
    var button = form.querySelector("button[type=submit]");
    if (button) { button.disabled = true; button.textContent = busy; }
  }
});
