"""The attorney of record: G-28s on file per booking and the notifications sent to them."""
