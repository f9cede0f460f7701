"""KPI worker: python -m services.kpi.worker (the outbox relay)."""

from shared.worker import main_for, relay_loop

if __name__ == "__main__":
    main_for("kpi", lambda resources: [relay_loop(resources, "kpi")])
