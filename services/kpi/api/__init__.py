"""HTTP edge of the kpi service: marshmallow schemas and blueprints."""
