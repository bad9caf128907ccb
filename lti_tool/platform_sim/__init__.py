"""A real LTI 1.3 platform for the demo and the tests: OIDC, keys, AGS, NRPS."""
