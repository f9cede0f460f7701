"""Assessment worker: python -m services.assessment.worker (the outbox relay)."""

from shared.worker import main_for, relay_loop

if __name__ == "__main__":
    main_for("assessment", lambda resources: [relay_loop(resources, "assessment")])
