"""Custody pages (registered by custody.init_app)."""
