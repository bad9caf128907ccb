// The OIDC login page: keep the state where the browser allows, then go to the platform.
// Served as a file so the Content-Security-Policy needs no inline script.
// LTI Client Side postMessage Storage: https://www.imsglobal.org/spec/lti-pm-s/v0p1
(function () {
  "use strict";
  var el = document.getElementById("login");
  var url = el.dataset.authUrl;

  function cookiesWork() {
    document.cookie = location.protocol === "https:"
      ? "lti_cookie_check=1; path=/; SameSite=None; Secure"
      : "lti_cookie_check=1; path=/; SameSite=Lax";
    return document.cookie.indexOf("lti_cookie_check=1") !== -1;
  }
  function showBlocked() {
    document.getElementById("opening").hidden = true;
    document.getElementById("blocked").hidden = false;
  }
  function goWithCookies() {
    if (cookiesWork()) { window.location.replace(url); } else { showBlocked(); }
  }

  if (!el.dataset.target) { goWithCookies(); return; }

  // The platform offers its storage: keep the state in its window (works without cookies).
  var state = el.dataset.state;
  var target = el.dataset.target === "_parent"
    ? window.parent
    : (window.parent.frames[el.dataset.target] || window.parent);
  var id = "put-" + Math.random().toString(36).slice(2);
  var done = false;
  function finish(ok) {
    if (done) return;
    done = true;
    if (ok) { window.location.replace(url); } else { goWithCookies(); }
  }
  window.addEventListener("message", function (event) {
    var m = event.data || {};
    if (m.message_id === id && m.subject === "lti.put_data.response") { finish(!m.error); }
  });
  try {
    target.postMessage(
      {subject: "lti.put_data", message_id: id, key: "lti_state_" + state, value: state},
      el.dataset.origin);
  } catch (e) { finish(false); }
  setTimeout(function () { finish(false); }, 2000);
})();
