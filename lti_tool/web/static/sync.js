// Poll a running sync and move its progress bar; reload when it ends so the page shows results.
(function () {
  "use strict";
  function watch(box) {
    var url = box.getAttribute("data-status-url");
    var bar = box.querySelector("progress");
    var msg = box.querySelector(".sync-message");
    function tick() {
      fetch(url, { headers: { Accept: "application/json" }, credentials: "same-origin" })
        .then(function (r) { return r.ok ? r.json() : null; })
        .then(function (data) {
          if (!data) { return; }
          var run = data.run;
          bar.max = run.total || 1;
          bar.value = run.total ? run.done : (run.status === "done" ? 1 : 0);
          msg.textContent = run.message || "Working";
          if (run.status === "queued" || run.status === "running") {
            setTimeout(tick, 800);
          } else if (box.getAttribute("data-state") !== run.status) {
            window.location.reload();
          }
        })
        .catch(function () { setTimeout(tick, 3000); });
    }
    if (box.getAttribute("data-state") === "queued" || box.getAttribute("data-state") === "running") {
      tick();
    }
  }
  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll(".sync-status").forEach(watch);
  });
})();
