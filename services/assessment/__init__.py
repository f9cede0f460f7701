"""Assessment service: engagements, 360 rounds and the needs assessment (write side), in the
kpi service's shape: commands.py, handlers/, policies.py, access.py, api/, app.py, worker.py."""
