"""What operators watch: Prometheus metrics (GET /metrics), request ids and structured logs."""
