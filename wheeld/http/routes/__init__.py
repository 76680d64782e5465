"""Route handlers, one module per resource: parse, call one service, return the envelope."""
