/* Custodia's progressive enhancements. Every page works without them; the server
   validates, scores and decides everything again. No inline script (CSP). */
(function () {
  "use strict";

  /* After a failed submit, focus the error summary so it is read first. */
  function focusErrorSummary() {
    var summary = document.querySelector(".custodia-error-summary");
    if (summary) {
      summary.focus();
    }
  }

  /* The classification worksheet's running score: each answer's points are in
     data-points; the bands and the mandatory Level 3 answers on the form. */
  function runningScore() {
    var form = document.querySelector("[data-worksheet]");
    var out = document.getElementById("running-score");
    if (!form || !out) {
      return;
    }
    var bands = JSON.parse(form.getAttribute("data-bands"));
    var mandatory = JSON.parse(form.getAttribute("data-level-3"));
    function update() {
      var score = 0, answered = 0, level3 = false;
      var factors = form.querySelectorAll("[data-factor]");
      factors.forEach(function (group) {
        var checked = group.querySelector("input:checked");
        if (checked) {
          answered += 1;
          score += parseInt(checked.getAttribute("data-points") || "0", 10);
          if (mandatory.indexOf(group.getAttribute("data-factor") + ":" + checked.value) >= 0) {
            level3 = true;
          }
        }
      });
      var level = 3;
      for (var i = 0; i < bands.length; i += 1) {
        if (score <= bands[i][0]) { level = bands[i][1]; break; }
      }
      if (level3) { level = 3; }
      out.textContent = "Score " + score + " so far (" + answered + " of " + factors.length +
        " answered): Level " + level + (answered < factors.length ? " if nothing else adds up" : "") + ".";
    }
    form.addEventListener("change", update);
    update();
  }

  /* The bed picker: type to keep the beds whose unit or label match. */
  function bedFilter() {
    var input = document.getElementById("bed-filter");
    var select = document.getElementById("bed_id");
    if (!input || !select) {
      return;
    }
    input.hidden = false;
    input.closest(".usa-form-group").hidden = false;
    var status = document.getElementById("bed-filter-status");
    input.addEventListener("input", function () {
      var words = input.value.toLowerCase().split(/\s+/).filter(Boolean);
      var shown = 0;
      select.querySelectorAll("optgroup").forEach(function (group) {
        var unit = group.label.toLowerCase();
        var any = false;
        group.querySelectorAll("option").forEach(function (option) {
          var text = unit + " " + option.textContent.toLowerCase();
          var match = words.every(function (w) { return text.indexOf(w) >= 0; });
          option.hidden = !match;
          option.disabled = !match;
          if (match) { any = true; shown += 1; }
        });
        group.hidden = !any;
      });
      if (status) {
        status.textContent = shown + " beds match.";
      }
    });
  }

  /* A print button where a page is meant to be printed (receipts). */
  function printButtons() {
    document.querySelectorAll("[data-print]").forEach(function (button) {
      button.hidden = false;
      button.addEventListener("click", function () { window.print(); });
    });
  }

  function start() {
    printButtons();
    focusErrorSummary();
    runningScore();
    bedFilter();
  }
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
