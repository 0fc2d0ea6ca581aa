// The interviewer app. Assignments and forms are kept on the device; every call outcome and
// every interview is saved on the device first and sent when the network allows, carrying an id
// chosen here so that sending it twice stores it once. Nothing is removed from the device before
// the server has acknowledged it.
(function () {
  "use strict";
  var WORK = "thuocdo.interviewer.work";
  var QUEUE = "thuocdo.interviewer.queue";
  var app = document.getElementById("app");
  var statusLine = document.getElementById("sync-status");
  var csrf = document.querySelector("meta[name=csrf]").content;

  function load(key, fallback) {
    try { return JSON.parse(localStorage.getItem(key)) || fallback; } catch (e) { return fallback; }
  }
  function keep(key, value) { localStorage.setItem(key, JSON.stringify(value)); }
  function newId() {
    if (window.crypto && crypto.randomUUID) return crypto.randomUUID();
    return Date.now().toString(36) + "-" + Math.random().toString(36).slice(2);
  }
  function el(tag, attrs, children) {
    var node = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (k) {
      if (k === "text") node.textContent = attrs[k]; else node.setAttribute(k, attrs[k]);
    });
    (children || []).forEach(function (c) { node.appendChild(c); });
    return node;
  }

  var work = load(WORK, { assignments: [], forms: {} });
  var queue = load(QUEUE, { calls: [], interviews: [] });
  var sending = false;

  function waiting() { return queue.calls.length + queue.interviews.length; }
  function say(text) { statusLine.textContent = text; }
  function tellWaiting() {
    var n = queue.interviews.length;
    say(n ? n + " phiếu đang lưu trên máy, chờ gửi." : (queue.calls.length ? "Đang chờ gửi kết quả cuộc gọi." : "Đã gửi hết."));
  }

  function send() {
    if (sending || !waiting()) { tellWaiting(); return Promise.resolve(); }
    if (!navigator.onLine) {
      say("Chưa có mạng: " + queue.interviews.length + " phiếu đang lưu trên máy, chờ gửi.");
      return Promise.resolve();
    }
    sending = true;
    var batch = { calls: queue.calls.slice(), interviews: queue.interviews.slice() };
    return fetch("/api/v1/interviews/sync", {
      method: "POST",
      credentials: "same-origin",
      headers: { "content-type": "application/json", "x-csrf-token": csrf },
      body: JSON.stringify(batch)
    }).then(function (response) {
      if (response.status === 401 || response.status === 403) throw new Error("login");
      if (!response.ok) throw new Error("server");
      return response.json();
    }).then(function (result) {
      var done = {};
      var refused = [];
      result.calls.concat(result.interviews).forEach(function (item) {
        if (item.status === "refused") refused.push(item.message); else done[item.id] = true;
      });
      queue.calls = queue.calls.filter(function (c) { return !done[c.client_id]; });
      queue.interviews = queue.interviews.filter(function (i) { return !done[i.submission_id]; });
      keep(QUEUE, queue);
      tellWaiting();
      if (refused.length) say(statusLine.textContent + " Không nhận: " + refused.join("; "));
    }).catch(function (error) {
      var n = waiting();
      say(error.message === "login"
        ? "Phiên đăng nhập đã hết: hãy đăng nhập lại; " + n + " mục vẫn được giữ trên máy."
        : "Chưa có mạng: " + queue.interviews.length + " phiếu đang lưu trên máy, chờ gửi.");
    }).then(function () { sending = false; });
  }

  function fetchWork() {
    return fetch("/api/v1/interviews/assignments", { credentials: "same-origin" })
      .then(function (response) { if (!response.ok) throw new Error("work"); return response.json(); })
      .then(function (fresh) {
        // Assignments finished on this device but not yet sent stay finished here.
        var finished = {};
        queue.interviews.forEach(function (i) { finished[i.assignment_id] = true; });
        fresh.assignments = fresh.assignments.filter(function (a) { return !finished[a.id]; });
        work = fresh;
        keep(WORK, work);
        list();
      })
      .catch(function () { /* offline: keep working from the copy on the device */ });
  }

  function record(assignment, outcome) {
    queue.calls.push({ client_id: newId(), assignment_id: assignment.id, outcome: outcome, note: "", at: Date.now() });
    if (outcome === "refused") drop(assignment);
    keep(QUEUE, queue);
    list();
    send();
  }

  function drop(assignment) {
    work.assignments = work.assignments.filter(function (a) { return a.id !== assignment.id; });
    keep(WORK, work);
  }

  function list() {
    app.textContent = "";
    if (!work.assignments.length) {
      app.appendChild(el("p", { text: "Không còn phiếu được giao." }));
      return;
    }
    work.assignments.forEach(function (a) {
      var buttons = el("p", { "class": "actions" }, [
        button("Phỏng vấn", function () { form(a); }),
        button("Không nghe máy", function () { record(a, "no_answer"); }, "secondary"),
        button("Hẹn gọi lại", function () { record(a, "call_back"); }, "secondary"),
        button("Từ chối", function () { record(a, "refused"); }, "secondary")
      ]);
      var phone = a.phone ? el("a", { href: "tel:" + a.phone, text: a.phone }) : el("span", { text: "—" });
      app.appendChild(el("section", { "class": "assignment", "data-dossier": a.dossier_code }, [
        el("h2", { text: a.name || a.dossier_code }),
        el("p", { text: a.unit_name + " · " + a.procedure + " · hồ sơ " + a.dossier_code }),
        el("p", {}, [el("span", { text: a.mode === "phone" ? "Điện thoại: " : "Gặp trực tiếp — điện thoại: " }), phone]),
        buttons
      ]));
    });
  }

  function button(text, onclick, kind) {
    var b = el("button", { type: "button", text: text });
    if (kind) b.className = kind;
    b.addEventListener("click", onclick);
    return b;
  }

  function options(question) {
    return question.options || question.scale || [];
  }

  function form(assignment) {
    var entry = work.forms[assignment.survey_id];
    var started = Date.now();
    app.textContent = "";
    var f = el("form", { "class": "stack", id: "interview" });
    f.appendChild(el("h2", { text: entry.survey_title + " — hồ sơ " + assignment.dossier_code }));
    entry.questionnaire.sections.forEach(function (section) {
      f.appendChild(el("h3", { text: section.title }));
      section.questions.forEach(function (q) {
        if (q.type === "unit") return; // the assignment says which unit
        var box = el("fieldset", { "data-question": q.code }, [el("legend", { text: q.text + (q.required ? " *" : "") })]);
        if (q.type === "single_choice" || q.type === "likert" || q.type === "multiple_choice") {
          var kind = q.type === "multiple_choice" ? "checkbox" : "radio";
          options(q).forEach(function (o) {
            var input = el("input", { type: kind, name: q.code, value: o.code });
            box.appendChild(el("label", { "class": "choice" }, [input, document.createTextNode(" " + o.label)]));
          });
        } else if (q.type === "matrix") {
          q.rows.forEach(function (row) {
            var line = el("p", { text: row.label + ": " });
            q.scale.forEach(function (o) {
              line.appendChild(el("label", { "class": "choice" }, [el("input", { type: "radio", name: q.code + "/" + row.code, value: o.code }), document.createTextNode(" " + o.label)]));
            });
            box.appendChild(line);
          });
        } else {
          box.appendChild(el("input", { name: q.code, "aria-label": q.text }));
        }
        f.appendChild(box);
      });
    });
    f.appendChild(el("p", { "class": "actions" }, [el("button", { type: "submit", text: "Lưu phiếu" }), button("Quay lại", list, "secondary")]));
    f.addEventListener("submit", function (event) {
      event.preventDefault();
      var answers = {};
      Array.prototype.forEach.call(f.elements, function (input) {
        if (!input.name || (input.type === "radio" || input.type === "checkbox") && !input.checked || input.value === "") return;
        var parts = input.name.split("/");
        if (parts.length === 2) { answers[parts[0]] = answers[parts[0]] || {}; answers[parts[0]][parts[1]] = input.value; }
        else if (input.type === "checkbox") { (answers[input.name] = answers[input.name] || []).push(input.value); }
        else answers[input.name] = input.value;
      });
      queue.interviews.push({ submission_id: newId(), assignment_id: assignment.id, answers: answers, started_at: started });
      queue.calls.push({ client_id: newId(), assignment_id: assignment.id, outcome: "completed", note: "", at: Date.now() });
      keep(QUEUE, queue);
      drop(assignment);
      list();
      send();
    });
    app.appendChild(f);
  }

  window.addEventListener("online", send);
  if ("serviceWorker" in navigator) navigator.serviceWorker.register("/interviewer/sw.js", { scope: "/interviewer/" });
  list();
  tellWaiting();
  fetchWork().then(send);
})();
