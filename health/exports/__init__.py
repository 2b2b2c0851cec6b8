"""The health-record export (issue 15): `GET /exports/patients/<id>/health-record.pdf`,
the whole record a caller may see of one patient, by encounter and by resource type,
with the FHIR Bundle it was made from attached.

Everything is read through `health.chart.record.patient_record` (permission, facility
scope, restricted mental-health labels, one audit entry `health:record:export`);
`reading` adds the facility stays and the referenced practitioners, `content` and
`bytype` turn the documents into what the templates show (pure functions), `documents`
renders the parts and `bundle` the attachment. Registered by `health.init_app`.
"""
