"""Custody's PDF exports (issue 15): a booking's custody record and its legal-access
log, as `core.pdf` documents sent through `core.exports.send_export`.

`records` reads what an actor may export (permission, booking, facility scope),
`documents` turns it into the document's header and parts (templates under
`templates/exports/custody_record/` and `templates/exports/legal_access/`), `views` is
the page blueprint `custody_exports` with the two routes."""
