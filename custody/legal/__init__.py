"""The legal-access log: who met counsel, a consulate, the law library or legal mail, when
and for how long (never content); its reports; mandatory consular notification."""
