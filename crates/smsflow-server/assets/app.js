// smsflow web app: the few things plain HTML cannot do. Everything works without it, too.
(function () {
  "use strict";
  function onChange(selector, handler) {
    document.addEventListener("change", function (event) {
      if (event.target.matches(selector)) handler(event.target);
    });
  }
  // The goal's description and keywords follow the selected goal.
  onChange("#f-goal", function (select) {
    document.querySelectorAll(".goal-help").forEach(function (help) {
      help.hidden = help.dataset.goal !== select.value;
    });
  });
  // A step shows the fields of its type.
  onChange(".step-type", function (select) {
    var step = select.closest(".step");
    step.dataset.type = select.value;
    step.querySelector(".step-label").textContent = select.options[select.selectedIndex].text;
  });
  // After a refused save, take keyboard and screen-reader users to the list of problems.
  document.addEventListener("DOMContentLoaded", function () {
    var problems = document.getElementById("problems") || document.getElementById("stale");
    if (problems) problems.focus();
  });
})();
