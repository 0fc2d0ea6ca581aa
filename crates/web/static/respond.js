// The answer page's skip logic on the device: a question whose condition does not hold on the
// answers shown so far is hidden, as the server would drop its answer (skip-logic.js judges
// conditions as domain::surveys::logic does). Without script every question shows, with its
// condition in words.
(function () {
  "use strict";
  var data = document.getElementById("form-logic");
  var form = data && data.closest("form");
  if (!form || !window.ThuocDoLogic) return;
  var logic = JSON.parse(data.textContent);

  function answers() {
    var shown = {};
    Array.prototype.forEach.call(form.elements, function (el) {
      if (!el.name || el.name.indexOf("a.") !== 0 || el.closest("[hidden]")) return;
      var code = el.name.slice(2);
      if (el.type === "checkbox") {
        if (el.checked) (shown[code] = shown[code] || []).push(el.value);
      } else if (el.type === "radio") {
        if (el.checked) shown[code] = el.value;
      } else if (el.value !== "") {
        shown[code] = el.value;
      }
    });
    return shown;
  }

  function update() {
    var shown = answers();
    // In the form's order: an answer hidden on the way does not count for the questions after it.
    logic.visible.forEach(function (entry) {
      var block = document.getElementById("q-" + entry[0]);
      var on = window.ThuocDoLogic.holds(entry[1], logic.questions, shown);
      if (block) block.hidden = !on;
      if (!on) delete shown[entry[0]];
    });
  }

  form.addEventListener("change", update);
  form.addEventListener("input", update);
  update();
})();
