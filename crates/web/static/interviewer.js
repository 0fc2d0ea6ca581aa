// The interviewer app. Assignments and forms are kept on the device; every call outcome and
// every interview is saved on the device first and sent when the network allows, carrying an id
// chosen here so that sending it twice stores it once. Nothing is removed from the device before
// the server has acknowledged it. The form follows the questionnaire's skip logic and asks for
// its required answers; finer rules are the server's, and an interview it refuses stays on the
// device with the reasons per question until the interviewer corrects it.
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

  // Interviews the server refused wait on the device, with its reasons, until corrected.
  function pending() { return queue.interviews.filter(function (i) { return !i.refused; }); }
  function refusedOnes() { return queue.interviews.filter(function (i) { return i.refused; }); }
  function waiting() { return queue.calls.length + pending().length; }
  function say(text) { statusLine.textContent = text; }
  function tellWaiting() {
    var n = pending().length;
    var text = n ? n + " phiếu đang lưu trên máy, chờ gửi." : (queue.calls.length ? "Đang chờ gửi kết quả cuộc gọi." : "Đã gửi hết.");
    var r = refusedOnes().length;
    say(r ? text + " " + r + " phiếu không được nhận, cần sửa lại." : text);
  }

  function send() {
    if (sending || !waiting()) { tellWaiting(); return Promise.resolve(); }
    if (!navigator.onLine) {
      say("Chưa có mạng: " + pending().length + " phiếu đang lưu trên máy, chờ gửi.");
      return Promise.resolve();
    }
    sending = true;
    var batch = {
      calls: queue.calls.slice(),
      interviews: pending().map(function (i) {
        return { submission_id: i.submission_id, assignment_id: i.assignment_id, answers: i.answers, started_at: i.started_at };
      })
    };
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
      var refused = {};
      result.calls.concat(result.interviews).forEach(function (item) {
        if (item.status === "refused") refused[item.id] = { message: item.message, errors: item.errors || [] };
        else done[item.id] = true;
      });
      // A refused call outcome cannot be corrected on the device: it is dropped, and said.
      var droppedCalls = queue.calls.filter(function (c) { return refused[c.client_id]; }).length;
      queue.calls = queue.calls.filter(function (c) { return !done[c.client_id] && !refused[c.client_id]; });
      queue.interviews = queue.interviews.filter(function (i) { return !done[i.submission_id]; });
      queue.interviews.forEach(function (i) { if (refused[i.submission_id]) i.refused = refused[i.submission_id]; });
      keep(QUEUE, queue);
      tellWaiting();
      if (droppedCalls) say(statusLine.textContent + " " + droppedCalls + " kết quả cuộc gọi không được nhận.");
      if (!document.getElementById("interview")) list();
    }).catch(function (error) {
      say(error.message === "login"
        ? "Phiên đăng nhập đã hết: hãy đăng nhập lại; " + waiting() + " mục vẫn được giữ trên máy."
        : "Chưa có mạng: " + pending().length + " phiếu đang lưu trên máy, chờ gửi.");
    }).then(function () { sending = false; });
  }

  function fetchWork() {
    return fetch("/api/v1/interviews/assignments", { credentials: "same-origin" })
      .then(function (response) { if (!response.ok) throw new Error("work"); return response.json(); })
      .then(function (fresh) {
        // Assignments finished on this device but not yet accepted stay finished here.
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
    refusedOnes().forEach(function (i) {
      var reasons = el("ul", {}, i.refused.errors.map(function (e) { return el("li", { text: e.message + " (câu " + e.question + ")" }); }));
      app.appendChild(el("section", { "class": "assignment refused", "data-dossier": i.assignment.dossier_code }, [
        el("h2", { text: "Cần sửa: hồ sơ " + i.assignment.dossier_code }),
        el("p", { "class": "field-error", text: "Máy chủ không nhận phiếu này: " + i.refused.message }),
        reasons,
        el("p", { "class": "actions" }, [button("Sửa phiếu", function () { form(i.assignment, i); })])
      ]));
    });
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

  // The server's skip logic, evaluated on the answers of the questions shown so far
  // (skip-logic.js), so that the device shows the questions the server expects.
  var holds = window.ThuocDoLogic.holds;

  // The answers in the form; those of hidden questions only when `hiddenToo`.
  function answersOf(f, hiddenToo) {
    var answers = {};
    Array.prototype.forEach.call(f.elements, function (input) {
      if (!input.name || !hiddenToo && input.matches(":disabled") || (input.type === "radio" || input.type === "checkbox") && !input.checked || input.value === "") return;
      var parts = input.name.split("/");
      if (parts.length === 2) { answers[parts[0]] = answers[parts[0]] || {}; answers[parts[0]][parts[1]] = input.value; }
      else if (input.type === "checkbox") { (answers[input.name] = answers[input.name] || []).push(input.value); }
      else answers[input.name] = input.value;
    });
    return answers;
  }

  function fill(input, previous) {
    var parts = input.name.split("/");
    var value = parts.length === 2 ? (previous[parts[0]] || {})[parts[1]] : previous[input.name];
    if (value === undefined) return;
    if (input.type === "radio" || input.type === "checkbox") input.checked = Array.isArray(value) ? value.indexOf(input.value) >= 0 : value === input.value;
    else input.value = value;
  }

  function complain(box, text) {
    var note = box.querySelector(".field-error");
    if (!text) { if (note) note.remove(); box.classList.remove("q-error"); return; }
    if (!note) { note = el("p", { "class": "field-error" }); box.insertBefore(note, box.children[1] || null); }
    note.textContent = text;
    box.classList.add("q-error");
  }

  // `earlier`, when given, is a refused interview being corrected: its answers, its id (nothing
  // of it was stored, so the same id is kept) and the server's reasons per question.
  function form(assignment, earlier) {
    var entry = work.forms[assignment.survey_id] || (earlier && earlier.form);
    var started = earlier ? earlier.started_at : Date.now();
    var previous = earlier ? earlier.answers : {};
    app.textContent = "";
    var f = el("form", { "class": "stack", id: "interview", novalidate: "" });
    f.appendChild(el("h2", { text: entry.survey_title + " — hồ sơ " + assignment.dossier_code }));
    var questions = {};
    var parts = [];
    entry.questionnaire.sections.forEach(function (section) {
      var part = { section: section, node: el("section", {}, [el("h3", { text: section.title })]), boxes: [] };
      section.questions.forEach(function (q) {
        questions[q.code] = q;
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
        part.boxes.push({ question: q, node: box });
        part.node.appendChild(box);
      });
      parts.push(part);
      f.appendChild(part.node);
    });
    Array.prototype.forEach.call(f.elements, function (input) { if (input.name) fill(input, previous); });
    (earlier ? earlier.refused.errors : []).forEach(function (e) {
      var box = f.querySelector('[data-question="' + e.question + '"]');
      if (box) complain(box, e.message);
    });

    // Shows what applies and hides (and leaves out) what does not, in form order.
    function apply() {
      var all = answersOf(f, true);
      var shown = {};
      parts.forEach(function (part) {
        var partShown = !part.section.visible_if || holds(part.section.visible_if, questions, shown);
        part.node.hidden = !partShown;
        part.boxes.forEach(function (b) {
          var visible = partShown && (!b.question.visible_if || holds(b.question.visible_if, questions, shown));
          b.node.hidden = !visible;
          b.node.disabled = !visible;
          if (visible && all[b.question.code] !== undefined) shown[b.question.code] = all[b.question.code];
        });
      });
    }

    function missing(b) {
      if (b.node.hidden || !b.question.required) return false;
      var a = answersOf(f)[b.question.code];
      if (b.question.type === "matrix") return !a || Object.keys(a).length < b.question.rows.length;
      return a === undefined;
    }

    f.addEventListener("change", apply);
    apply();
    f.appendChild(el("p", { "class": "actions" }, [el("button", { type: "submit", text: "Lưu phiếu" }), button("Quay lại", list, "secondary")]));
    f.addEventListener("submit", function (event) {
      event.preventDefault();
      apply();
      var first = null;
      parts.forEach(function (part) {
        part.boxes.forEach(function (b) {
          var lacking = missing(b);
          complain(b.node, lacking ? "Vui lòng trả lời câu hỏi này." : "");
          if (lacking && !first) first = b.node;
        });
      });
      if (first) {
        say("Phiếu còn câu bắt buộc chưa trả lời.");
        var target = first.querySelector("input");
        if (target) target.focus();
        return;
      }
      var saved = {
        submission_id: earlier ? earlier.submission_id : newId(),
        assignment_id: assignment.id,
        answers: answersOf(f),
        started_at: started,
        assignment: assignment,
        form: entry,
        refused: null
      };
      queue.interviews = queue.interviews.filter(function (i) { return i.submission_id !== saved.submission_id; });
      queue.interviews.push(saved);
      if (!earlier) queue.calls.push({ client_id: newId(), assignment_id: assignment.id, outcome: "completed", note: "", at: Date.now() });
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
