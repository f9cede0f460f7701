"""HTTP edge of the assessment service: marshmallow schemas and blueprints."""
