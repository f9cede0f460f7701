"""docker-compose.yml cannot run here (no Docker engine): keep it structurally valid."""

from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[2]
COMPOSE = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
SERVICES = ("assessment", "kpi", "reporting")


def test_every_service_has_an_api_and_a_worker_from_the_project_image():
    for name in SERVICES:
        api, worker = COMPOSE["services"][f"{name}-api"], COMPOSE["services"][f"{name}-worker"]
        assert f"services.{name}.app:create_app()" in api["command"]
        assert api["command"][:3] == ["gunicorn", "-c", "deploy/gunicorn.conf.py"]
        assert worker["command"] == ["python", "-m", f"services.{name}.worker"]
        assert "readyz" in " ".join(api["healthcheck"]["test"])
        for process in (api, worker):
            assert (ROOT / process["build"]["dockerfile"]).is_file()
            assert process["environment"]["KAFKA_BOOTSTRAP_SERVERS"] == "kafka:9092"
            assert "replicaSet=rs0" in process["environment"]["MONGO_URI"]


def test_infrastructure_is_mongodb_7_replica_set_and_kafka_4_1_1_kraft():
    services = COMPOSE["services"]
    assert services["mongo"]["image"].startswith("mongo:7")
    assert "--replSet" in services["mongo"]["command"]
    assert services["kafka"]["image"] == "apache/kafka:4.1.1"
    assert services["kafka"]["environment"]["KAFKA_PROCESS_ROLES"] == "broker,controller"
    assert "healthcheck" in services["kafka"] and "healthcheck" in services["mongo"]


def test_the_reporting_worker_scales_out_and_every_worker_is_health_checked():
    services = COMPOSE["services"]
    assert services["reporting-worker"]["deploy"]["replicas"] == "${REPORTING_WORKERS:-1}"
    for name in SERVICES:
        assert "9100/readyz" in " ".join(services[f"{name}-worker"]["healthcheck"]["test"])
    assert COMPOSE["x-env"]["ML_METRICS_PORT"] == "9100"
