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
  // A step button swaps in the new list of steps (htmx): keep the keyboard where the person was, on
  // the step they added or moved, or next to the one they removed.
  document.addEventListener("htmx:afterSwap", function (event) {
    var action = event.detail.requestConfig && event.detail.requestConfig.elt.value;
    if (event.detail.target.id !== "steps" || !action) return;
    var steps = document.querySelectorAll("#steps .step");
    var index = Number(action.split(":")[1]);
    // The moved step's same button, or its other one when that end of the list disables it.
    var button = function (step, first, second) {
      return step && (step.querySelector("button[value^='" + first + ":']:not([disabled])")
        || step.querySelector("button[value^='" + second + ":']"));
    };
    var focus;
    if (action === "add_step") focus = steps.length && steps[steps.length - 1].querySelector(".step-type");
    else if (action.startsWith("up:")) focus = button(steps[index - 1], "up", "down");
    else if (action.startsWith("down:")) focus = button(steps[index + 1], "down", "up");
    else if (action.startsWith("remove:")) {
      focus = steps.length ? steps[Math.min(index, steps.length - 1)].querySelector(".step-type")
        : document.getElementById("new-step-type");
    }
    if (focus) focus.focus();
  });
  // A step button whose answer is not the form (the session ended: the sign-in page) goes there.
  document.addEventListener("htmx:beforeSwap", function (event) {
    if (event.detail.target.id === "steps" && !event.detail.xhr.responseText.includes('id="steps"')) {
      event.detail.shouldSwap = false;
      window.location.assign(event.detail.xhr.responseURL);
    }
  });
  // After a refused save, take keyboard and screen-reader users to the list of problems.
  document.addEventListener("DOMContentLoaded", function () {
    var problems = document.getElementById("problems") || document.getElementById("stale");
    if (problems) problems.focus();
  });
})();
