"""The replica's control API (/__replica__/stats, config, reset): never counted as SUNAT traffic."""

import json

CONTROL_PREFIX = "/__replica__/"


class ControlAPIMixin:
    """The /__replica__/ endpoints of ReplicaRequestHandler (its read_body, send_json and replica)."""

    def control(self, method, path):
        body = self.read_body() if method == "POST" else b""
        name = path[len(CONTROL_PREFIX):].strip("/")
        replica = self.replica
        if (method, name) == ("GET", "stats"):
            return self.send_json(200, replica.stats())
        if (method, name) == ("GET", "config"):
            return self.send_json(200, replica.config.to_dict())
        if (method, name) == ("POST", "reset"):
            replica.reset_stats()
            return self.send_json(200, replica.stats())
        if (method, name) == ("POST", "config"):
            try:
                changes = json.loads(body or b"{}")
                if not isinstance(changes, dict):
                    raise ValueError("expected a JSON object")
                replica.config.update(**changes)
            except ValueError as error:  # json errors are ValueErrors too
                return self.send_json(400, {"error": str(error)})
            return self.send_json(200, replica.config.to_dict())
        self.send_json(404, {"error": f"no control endpoint {method} {path}"})
