// Skip logic on the device, as the server judges it (domain::surveys::logic): whether a
// condition holds on the answers of the questions shown so far. Numbers are read as
// domain::text::parse_number reads them. A table of cases computed by the server is run
// against this file in the test suite, so the two cannot drift apart.
(function () {
  "use strict";

  // `12`, `12,5`, `1.234,5`, `1 234`, `1.234` (a thousand: dots grouping digits by three after
  // a first group of one to three that is not zero), or with a decimal point `12.5`, `0.125`.
  function parseNumber(text) {
    var t = String(text).trim().replace(/ /g, "");
    var groups = t.replace(/^-+/, "").split(".");
    var first = groups[0];
    var grouped = first.length >= 1 && first.length <= 3 && first !== "0" && groups.length > 1 &&
      groups.slice(1).every(function (g) { return g.length === 3; }) && t.indexOf(",") < 0;
    var normal = t.indexOf(",") >= 0 || grouped ? t.replace(/\./g, "").replace(",", ".") : t;
    // Only what Rust's f64 parser takes: an optional sign, digits, one point, an exponent.
    if (!/^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/.test(normal)) return null;
    var n = Number(normal);
    return isFinite(n) ? n : null;
  }

  function options(question) {
    return question.options || question.scale || [];
  }

  function holds(condition, questions, shown) {
    var question = function (code) { return questions[code] || {}; };
    function chosen(code) {
      var a = shown[code];
      if (question(code).type === "number") return [];
      return a === undefined ? [] : (Array.isArray(a) ? a : (typeof a === "string" ? [a] : []));
    }
    function number(code) {
      var a = shown[code];
      if (typeof a !== "string") return null;
      if (question(code).type === "number") return parseNumber(a);
      var option = options(question(code)).filter(function (o) { return o.code === a; })[0];
      return option && option.value !== undefined && option.value !== null ? option.value : null;
    }
    switch (condition.op) {
      case "answered": return shown[condition.question] !== undefined;
      case "equals": return chosen(condition.question).indexOf(condition.option) >= 0;
      case "any_of": return chosen(condition.question).some(function (c) { return condition.options.indexOf(c) >= 0; });
      case "at_least": var a = number(condition.question); return a !== null && a >= condition.value;
      case "at_most": var b = number(condition.question); return b !== null && b <= condition.value;
      case "all": return condition.conditions.every(function (c) { return holds(c, questions, shown); });
      case "any": return condition.conditions.some(function (c) { return holds(c, questions, shown); });
      case "not": return !holds(condition.condition, questions, shown);
      default: return true;
    }
  }

  window.ThuocDoLogic = { holds: holds, parseNumber: parseNumber };
})();
