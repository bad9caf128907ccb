// The launch arrived without the state cookie: fetch the state from the platform's storage
// (lti.get_data), then post the launch again with it; without it, say the storage failed.
// LTI Client Side postMessage Storage: https://www.imsglobal.org/spec/lti-pm-s/v0p1
(function () {
  "use strict";
  var form = document.getElementById("relaunch");
  var target = form.dataset.target === "_parent"
    ? window.parent
    : (window.parent.frames[form.dataset.target] || window.parent);
  var id = "get-" + Math.random().toString(36).slice(2);
  var done = false;
  function finish(value) {
    if (done) return;
    done = true;
    if (value) {
      form.elements["platform_state"].value = value;
    } else {
      form.removeChild(form.elements["platform_state"]);
      var failed = document.createElement("input");
      failed.type = "hidden"; failed.name = "storage_failed"; failed.value = "1";
      form.appendChild(failed);
    }
    form.submit();
  }
  window.addEventListener("message", function (event) {
    var m = event.data || {};
    if (m.message_id === id && m.subject === "lti.get_data.response") { finish(m.value || null); }
  });
  try {
    target.postMessage(
      {subject: "lti.get_data", message_id: id, key: "lti_state_" + form.dataset.state},
      form.dataset.origin);
  } catch (e) { finish(null); }
  setTimeout(function () { finish(null); }, 2000);
})();
