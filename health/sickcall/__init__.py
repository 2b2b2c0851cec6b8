"""Sick call (issue 14, point 3): a request recorded on the person's behalf in their
words and language, triaged within 24 hours with a priority, then the visit — each step
FHIR (ServiceRequest `sick-call`, Encounters `sick-call-triage` / `sick-call-visit`, a
SOAP DocumentReference) — and a queue per facility sorted by due time. docs/health.md,
"Sick call"."""
