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

// The hall's display board: live over server-sent events (the browser reconnects by itself;
// the page says so meanwhile), each call spoken where the browser can.
function hallFeed(hall, onBoard) {
  var source = new EventSource("/api/v1/halls/" + encodeURIComponent(hall) + "/board/events");
  var status = document.getElementById("board-status");
  source.addEventListener("open", function () {
    if (status) { status.textContent = "实时"; status.classList.remove("offline"); }
  });
  source.addEventListener("error", function () {
    if (status) { status.textContent = "连接中断，正在重新连接…"; status.classList.add("offline"); }
  });
  source.addEventListener("board", function (e) { onBoard(JSON.parse(e.data)); });
  return source;
}

(function () {
  var root = document.querySelector("[data-board]");
  if (!root) { return; }
  function el(tag, cls, text) {
    var n = document.createElement(tag);
    if (cls) { n.className = cls; }
    if (text !== undefined) { n.textContent = text; }
    return n;
  }
  function speak(text) {
    if (!text || !window.speechSynthesis) { return; }
    var u = new SpeechSynthesisUtterance(text);
    u.lang = "zh-CN";
    window.speechSynthesis.speak(u);
  }
  hallFeed(root.getAttribute("data-board"), function (m) {
    var b = m.board;
    var calling = document.getElementById("board-calling");
    calling.replaceChildren();
    b.calling.forEach(function (c) {
      var li = el("li");
      li.appendChild(el("span", "num", c.number));
      li.appendChild(document.createTextNode(" "));
      li.appendChild(el("span", "to", "请到 " + c.window + " 号窗口"));
      calling.appendChild(li);
    });
    var empty = document.getElementById("board-empty");
    if (empty) { empty.hidden = b.calling.length > 0; }
    var next = document.getElementById("board-next");
    next.replaceChildren();
    b.next.forEach(function (n) { next.appendChild(el("span", "num", n)); next.appendChild(document.createTextNode(" ")); });
    var lines = document.getElementById("board-lines");
    lines.replaceChildren();
    b.lines.forEach(function (l) {
      var tr = el("tr");
      var th = el("th", "", l.code + " " + l.name);
      th.setAttribute("scope", "row");
      tr.appendChild(th);
      tr.appendChild(el("td", "", String(l.waiting)));
      tr.appendChild(el("td", "", l.wait_minutes + " 分钟"));
      lines.appendChild(tr);
    });
    document.getElementById("board-open").textContent = String(b.windows_open);
    if (m.announce) { root.setAttribute("data-last-announce", m.announce); speak(m.announce); }
  });
})();

// A ticket on the portal follows its hall's board and re-reads where it stands.
(function () {
  var card = document.querySelector("[data-ticket]");
  if (!card) { return; }
  var id = card.getAttribute("data-ticket");
  var state = document.getElementById("ticket-state");
  hallFeed(card.getAttribute("data-hall"), function () {
    fetch("/api/v1/tickets/" + encodeURIComponent(id), { credentials: "same-origin" })
      .then(function (r) { return r.ok ? r.json() : null; })
      .then(function (v) {
        if (!v) { return; }
        var t = v.ticket;
        state.textContent = t.state === "waiting" ? "等候中：前面 " + v.ahead + " 人，预计 " + v.wait_minutes + " 分钟"
          : t.state === "called" ? "请到 " + t.window + " 号窗口"
          : t.state === "finished" ? "已办结" : "过号";
      });
  });
})();

// Kiosk: an on-screen numeric pad for ID and phone numbers, and a clean page for the next
// person after 60 s without a touch.
(function () {
  var kiosk = document.querySelector("[data-kiosk-idle]");
  if (!kiosk) { return; }
  var seconds = parseInt(kiosk.getAttribute("data-kiosk-idle"), 10) || 60;
  var timer;
  function reset() {
    clearTimeout(timer);
    timer = setTimeout(function () { window.location.href = window.location.pathname.replace(/\/(ticket|check-in)$/, ""); }, seconds * 1000);
  }
  ["click", "keydown", "touchstart", "input"].forEach(function (e) { document.addEventListener(e, reset, true); });
  reset();
  var pad = kiosk.querySelector(".numpad");
  var target = null;
  kiosk.querySelectorAll("input[data-pad]").forEach(function (input) {
    input.addEventListener("focus", function () { target = input; if (pad) { pad.hidden = false; } });
  });
  if (pad) {
    pad.addEventListener("click", function (e) {
      var key = e.target.getAttribute("data-key");
      if (!key || !target) { return; }
      if (key === "back") { target.value = target.value.slice(0, -1); }
      else if (target.value.length < (target.maxLength > 0 ? target.maxLength : 18)) { target.value += key; }
      target.focus();
    });
  }
})();

document.addEventListener("click", function (e) {
  if (e.target.classList && e.target.classList.contains("print")) { window.print(); }
});

// A session opened by a kiosk's card reader: after 60 s without a touch it is logged out, so
// the next person at the kiosk never finds it open (the server ends it after 10 minutes).
(function () {
  var seconds = parseInt(document.body.getAttribute("data-kiosk-session"), 10);
  var form = document.getElementById("kiosk-logout");
  if (!seconds || !form) { return; }
  var timer;
  function reset() {
    clearTimeout(timer);
    timer = setTimeout(function () { form.submit(); }, seconds * 1000);
  }
  ["click", "keydown", "touchstart", "input", "scroll"].forEach(function (e) { document.addEventListener(e, reset, true); });
  reset();
})();

// Position from the browser, where the person allows it: a remote ticket carries it, the
// map sorts by it. Without it the server says what is missing.
(function () {
  var form = document.querySelector("form[data-geolocate]");
  if (form && navigator.geolocation) {
    form.addEventListener("submit", function (e) {
      var field = form.querySelector("input[name=position]");
      if (field.value) { return; }
      e.preventDefault();
      navigator.geolocation.getCurrentPosition(function (p) {
        field.value = p.coords.latitude.toFixed(6) + "," + p.coords.longitude.toFixed(6);
        form.submit();
      }, function () { form.submit(); }, { timeout: 10000 });
    });
  }
  var locate = document.querySelector("button[data-locate]");
  if (locate && navigator.geolocation) {
    locate.addEventListener("click", function () {
      navigator.geolocation.getCurrentPosition(function (p) {
        var f = locate.form;
        f.querySelector("input[name=near]").value = p.coords.latitude.toFixed(6) + "," + p.coords.longitude.toFixed(6);
        f.querySelector("select[name=place]").value = "";
        f.submit();
      });
    });
  }
})();

// Kiosk identity: the kiosk's shell provides `window.OneWindowKioskReader` (see
// docs/KIOSK.md): `readIdCard()` resolves to {name, idNumber} from the ID card on the reader,
// and optionally `faceCheck(idNumber)` to true when the face before the camera matches.
// The demo offers a simulated reader (`?reader=simulated`). Without a reader, people type.
(function () {
  var kiosk = document.querySelector("[data-kiosk-idle]");
  if (!kiosk) { return; }
  var simulated = kiosk.getAttribute("data-simulated-reader");
  if (simulated && !window.OneWindowKioskReader) {
    var parts = simulated.split("|");
    window.OneWindowKioskReader = {
      readIdCard: function () { return Promise.resolve({ name: parts[0], idNumber: parts[1] }); },
      faceCheck: function () { return Promise.resolve(true); }
    };
  }
  var reader = window.OneWindowKioskReader;
  if (!reader || typeof reader.readIdCard !== "function") { return; }
  kiosk.querySelectorAll("p.reader").forEach(function (p) { p.hidden = false; });
  kiosk.addEventListener("click", function (e) {
    var button = e.target.closest ? e.target.closest("button[data-read-card]") : null;
    if (!button) { return; }
    var ids = button.getAttribute("data-read-card").split(" ");
    var status = button.parentNode.querySelector(".reader-status");
    status.textContent = "正在读取身份证…";
    reader.readIdCard().then(function (card) {
      var check = typeof reader.faceCheck === "function" ? reader.faceCheck(card.idNumber) : Promise.resolve(true);
      return check.then(function (ok) {
        if (!ok) { status.textContent = "人脸核验未通过，请本人办理或到导服台"; return; }
        if (ids[0]) { document.getElementById(ids[0]).value = card.name; }
        document.getElementById(ids[1]).value = card.idNumber;
        status.textContent = "已读取：" + card.name;
      });
    }, function () { status.textContent = "未读到身份证，请重新放置或手工输入"; });
  });
})();

// 12345 desk: knowledge and catalog as the operator types; an article's answer into the
// direct-answer box; likely duplicates as phone, address and text are filled in.
(function () {
  var box = document.querySelector("[data-desk-search]");
  if (!box) { return; }
  var out = document.getElementById("desk-results");
  var region = document.getElementById("region");
  var timer = null, seq = 0;
  // Escapes text for element content and quoted attribute values alike.
  function esc(s) {
    return String(s == null ? "" : s).replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;")
      .replace(/"/g, "&quot;").replace(/'/g, "&#39;");
  }
  function search() {
    var q = box.value.trim(), mine = ++seq;
    if (!q) { out.innerHTML = ""; return; }
    var url = "/api/v1/hotline/desk/search?q=" + encodeURIComponent(q) + "&region=" + encodeURIComponent(region ? region.value : "");
    fetch(url, { credentials: "same-origin" }).then(function (r) { return r.ok ? r.json() : null; }).then(function (r) {
      if (!r || mine !== seq) { return; }
      var h = "";
      if (!r.articles.length && !r.items.length) { h = '<p class="muted">没有找到相关知识或事项。</p>'; }
      if (r.articles.length) {
        h += "<h3>知识</h3><ul class=\"plain\">" + r.articles.map(function (a) {
          return '<li class="kb-hit"><strong>' + esc(a.question) + "</strong><p>" + esc(a.answer) + "</p>" +
            (a.source ? '<p class="muted">依据：' + esc(a.source) + "</p>" : "") +
            '<button type="button" class="secondary" data-use-article="' + esc(a.id) + '" data-answer="' + esc(a.answer) + '">用此答复</button></li>';
        }).join("") + "</ul>";
      }
      if (r.items.length) {
        h += "<h3>事项</h3><ul class=\"plain\">" + r.items.map(function (i) {
          return '<li><a href="/items/' + encodeURIComponent(i.code) + '" target="_blank" rel="noopener">' + esc(i.name) + "</a> · " + esc(i.department_name) + " · " + esc(i.summary) + "</li>";
        }).join("") + "</ul>";
      }
      out.innerHTML = h;
    });
  }
  box.addEventListener("input", function () { clearTimeout(timer); timer = setTimeout(search, 150); });
  document.getElementById("desk-search-form").addEventListener("submit", function (e) { e.preventDefault(); search(); });
  out.addEventListener("click", function (e) {
    var b = e.target.closest("[data-use-article]");
    if (!b) { return; }
    document.getElementById("article").value = b.getAttribute("data-use-article");
    var a = document.getElementById("answer");
    a.value = b.getAttribute("data-answer");
    var t = document.getElementById("text");
    if (!t.value.trim()) { t.value = box.value; }
    a.focus();
  });
  var dup = document.getElementById("desk-duplicates");
  function duplicates() {
    var p = document.getElementById("caller_phone").value, ad = document.getElementById("address").value,
      tx = document.getElementById("text").value;
    if (!tx.trim() || (!p.trim() && !ad.trim())) { dup.innerHTML = ""; return; }
    fetch("/api/v1/hotline/duplicates?phone=" + encodeURIComponent(p) + "&address=" + encodeURIComponent(ad) + "&text=" + encodeURIComponent(tx), { credentials: "same-origin" })
      .then(function (r) { return r.ok ? r.json() : null; }).then(function (r) {
        if (!r || !r.items.length) { dup.innerHTML = ""; return; }
        dup.innerHTML = '<div class="alert" role="status"><p>疑似重复工单：</p><ul>' + r.items.map(function (d) {
          return "<li><a href=\"/hotline/tickets/" + encodeURIComponent(d.id) + "\" target=\"_blank\" rel=\"noopener\">" + esc(d.number) + "</a>（" + esc(d.state) + "）" + esc(d.text) + "<br><span class=\"muted\">" + esc(d.why) + "</span> " +
            '<button type="button" class="secondary" data-merge="' + esc(d.number) + '">合并到此单</button></li>';
        }).join("") + "</ul></div>";
      });
  }
  document.querySelectorAll("[data-dup]").forEach(function (el) { el.addEventListener("change", duplicates); });
  dup.addEventListener("click", function (e) {
    var b = e.target.closest("[data-merge]");
    if (b) { document.getElementById("merge_into").value = b.getAttribute("data-merge"); document.getElementById("merge_into").focus(); }
  });
})();
