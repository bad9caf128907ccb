// Tell the LMS that dynamic registration is finished, so it can close its dialog.
// Spec: https://www.imsglobal.org/spec/lti-dr/v1p0#step-4-registration-completed-and-activation
(window.opener || window.parent).postMessage({subject: "org.imsglobal.lti.close"}, "*");
