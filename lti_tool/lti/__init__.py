"""LTI 1.3 Advantage: launch, storage, keys, services, deep linking, registration.

The only package that imports pylti1p3.
"""
