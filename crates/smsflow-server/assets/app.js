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
