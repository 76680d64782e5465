"""Marshmallow schemas: every request and response of the API, documented in the OpenAPI spec."""
