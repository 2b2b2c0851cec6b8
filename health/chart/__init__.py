"""The patient chart (read side): patient search, the chart page (banner, problems,
medications, vitals and their trend, immunizations, the encounter timeline), and the
clinician's landing panel. Everything is read through `health.chart.record`, the one
function that says what an actor may see of a patient. Registered by
`health.init_app`."""
