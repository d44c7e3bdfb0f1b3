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
  // The live inbox: the server says which conversation changed (Server-Sent Events from
  // /conversations/events); the list, the unread count and, when it is the open one, the thread
  // are fetched again. While the stream is down (or without EventSource) they are fetched every
  // 10 seconds, else every minute. Without JavaScript, links and reloading do the same.
  document.addEventListener("DOMContentLoaded", function () {
    if (!document.getElementById("inbox-list") || !window.htmx) return;
    var root = document.documentElement;
    var timer = null;
    var thread = false;
    function refresh() {
      timer = null;
      var list = document.getElementById("inbox-list");
      htmx.ajax("GET", list.dataset.refresh, { target: "#inbox-list", swap: "outerHTML" });
      if (thread && document.getElementById("messages")) htmx.trigger("#messages", "refresh");
      thread = false;
    }
    // Bursts of events (a text, its reply, its delivery) make one refresh.
    function changed(id) {
      var list = document.getElementById("inbox-list");
      if (id === null || id === list.dataset.open) thread = true;
      if (!timer) timer = setTimeout(refresh, 150);
    }
    document.body.addEventListener("htmx:afterSettle", function () {
      var list = document.getElementById("inbox-list");
      if (!list) return;
      var unread = Number(list.dataset.unread);
      document.title = (unread > 0 ? "(" + unread + ") " : "") + document.title.replace(/^\(\d+\) /, "");
    });
    if (window.EventSource) {
      var source = new EventSource("/conversations/events");
      var opened = false;
      source.onopen = function () {
        // After a reconnection, catch up with what happened meanwhile.
        if (opened) changed(null);
        opened = true;
        root.dataset.live = "open";
      };
      source.onerror = function () { root.dataset.live = "polling"; };
      ["message", "conversation"].forEach(function (kind) {
        source.addEventListener(kind, function (event) {
          changed(JSON.parse(event.data).conversation_id);
        });
      });
      source.addEventListener("reload", function () { changed(null); });
    }
    // Other processes on the same database publish to their own streams: a slower poll covers them.
    var ticks = 0;
    setInterval(function () {
      ticks += 1;
      if (root.dataset.live !== "open" || ticks % 6 === 0) changed(null);
    }, 10000);
  });
})();
