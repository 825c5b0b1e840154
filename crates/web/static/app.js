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

// A button may ask for confirmation too (the case page is one form with many buttons).
document.addEventListener("click", function (e) {
  var b = e.target.closest ? e.target.closest("button[data-confirm]") : null;
  if (b && !window.confirm(b.getAttribute("data-confirm"))) { e.preventDefault(); }
});

// On a phone the main navigation folds behind a 菜单 button (without this file it stays open).
document.documentElement.classList.add("js");
(function () {
  var button = document.querySelector("header.site .menu-button");
  var nav = document.getElementById("site-nav");
  if (!button || !nav) { return; }
  button.hidden = false;
  button.addEventListener("click", function () {
    var open = nav.classList.toggle("open");
    button.setAttribute("aria-expanded", open ? "true" : "false");
  });
})();

// The error summary (GOV.UK pattern): focused when the page comes back with problems, so a
// screen reader announces it; each link moves focus to its field, not only the view.
(function () {
  var summary = document.querySelector(".error-summary");
  if (!summary) { return; }
  summary.focus();
  summary.addEventListener("click", function (e) {
    var a = e.target.closest ? e.target.closest("a[href^='#']") : null;
    var field = a ? document.getElementById(a.getAttribute("href").slice(1)) : null;
    if (!field) { return; }
    e.preventDefault();
    var details = field.closest("details");
    if (details) { details.open = true; }
    field.scrollIntoView({ block: "center" });
    field.focus();
  });
})();
