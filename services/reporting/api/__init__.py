"""HTTP edge of the reporting service: blueprint factories whose views parse input, call a
query (services/reporting/queries) and serialise its answer (schemas.py); the HTML pages."""
