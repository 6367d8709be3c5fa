"""Check REST requests the app made against Twilio's official OpenAPI description (twilio/twilio-oai).

The spec lives beside the repository, in ``../shared/vendor/twilio-oai/`` (CI runs a clean clone with
``shared/`` next to it). Use it on the log of ``TwilioStandIn`` (``standin.requests``)::

    problems = twilio_spec().problems(request, account_sid=ACCOUNT_SID, auth_token_used=True)
    assert problems == []

Media files are not in the spec: Twilio serves a recording's audio at the recording's resource path with the
``.json`` left off (WAV) or replaced by ``.wav``/``.mp3``; those GETs are checked against that resource.
"""

from __future__ import annotations

import functools
import json
import re
from dataclasses import dataclass
from pathlib import Path

SPEC_DIR = Path(__file__).resolve().parents[1] / ".." / "shared" / "vendor" / "twilio-oai"
API_V2010 = SPEC_DIR / "twilio_api_v2010.json"
MEDIA_EXTENSIONS = ("", ".wav", ".mp3")  # how Twilio serves a recording's audio
MEDIA_QUERY = {"RequestedChannels": {"enum": ["1", "2"]}}  # documented for media downloads, not in the spec


@dataclass(frozen=True)
class Operation:
    """One matched operation: its path template, method, parameters by location, and the path's values."""

    template: str
    method: str
    spec: dict
    path_values: dict[str, str]
    media: bool

    def parameters(self, location: str, root: dict) -> dict[str, dict]:
        found = {}
        for parameter in self.spec.get("parameters", []):
            parameter = resolve(root, parameter)
            if parameter["in"] == location:
                found[parameter["name"]] = parameter
        return found


def resolve(root: dict, node: dict) -> dict:
    """Follow a local ``$ref`` (``#/components/...``) to what it names."""
    while isinstance(node, dict) and "$ref" in node:
        target = root
        for part in node["$ref"].removeprefix("#/").split("/"):
            target = target[part]
        node = target
    return node


class TwilioSpec:
    """Twilio's API v2010 description, with the checks the tests need."""

    def __init__(self, path: Path = API_V2010):
        if not path.is_file():
            raise FileNotFoundError(f"Twilio's OpenAPI spec is not at {path.resolve()} (expected ../shared beside "
                                    "the repository: shared/vendor/twilio-oai/)")
        self.path = path
        self.document = json.loads(path.read_text())
        self._patterns = [(template, _template_regex(template)) for template in self.document["paths"]]

    @property
    def security_schemes(self) -> dict:
        return self.document["components"]["securitySchemes"]

    def operation(self, method: str, path: str) -> Operation | None:
        """The spec's operation for ``method`` on ``path`` (media downloads map to their recording resource)."""
        method = method.lower()
        candidates = [(path, False)]
        if method == "get" and not path.endswith(".json"):
            stem = path
            for extension in MEDIA_EXTENSIONS[1:]:
                stem = stem.removesuffix(extension)
            candidates.append((stem + ".json", True))
        for candidate, media in candidates:
            for template, pattern in self._patterns:
                match = pattern.fullmatch(candidate)
                if match and method in self.document["paths"][template]:
                    return Operation(template, method, self.document["paths"][template][method], match.groupdict(),
                                     media)
        return None

    def problems(self, request: dict, *, account_sid: str, auth_token_used: bool | None = None) -> list[str]:
        """Everything about one logged request that Twilio's spec would not accept; empty when all is well.

        ``request`` is an entry of ``TwilioStandIn.requests``: method, path, query, form, auth_scheme,
        authorised (credentials were the account SID and its auth token) and status (answered).
        """
        method, path = request["method"], request["path"]
        where = f"{method} {path}"
        operation = self.operation(method, path)
        if operation is None:
            return [f"{where}: no such operation in Twilio's API"]
        found = []
        if operation.media and Path(path).suffix not in MEDIA_EXTENSIONS:
            found.append(f"{where}: media is served without extension, as .wav or as .mp3")
        for name, parameter in operation.parameters("path", self.document).items():
            value = operation.path_values.get(name)
            pattern = parameter.get("schema", {}).get("pattern")
            if value is None:
                found.append(f"{where}: path parameter {name} missing")
            elif pattern and not re.fullmatch(pattern, value):
                found.append(f"{where}: {name}={value!r} does not match {pattern}")
        if operation.path_values.get("AccountSid") not in (None, account_sid):
            found.append(f"{where}: not the account's own path ({operation.path_values['AccountSid']})")
        found += self._query_problems(where, operation, request.get("query") or {})
        found += self._form_problems(where, operation, request.get("form") or {}, method)
        found += self._auth_problems(where, operation, request, auth_token_used)
        status = request.get("status")
        if status is not None and 200 <= status < 300 and not operation.media:
            listed = set(operation.spec.get("responses", {}))
            if str(status) not in listed:
                found.append(f"{where}: answered {status}, the spec lists only {sorted(listed)}")
        return found

    def _query_problems(self, where: str, operation: Operation, query: dict) -> list[str]:
        allowed = operation.parameters("query", self.document)
        if operation.media:
            allowed = {**allowed, **{name: {"schema": schema} for name, schema in MEDIA_QUERY.items()}}
        found = []
        for name, value in query.items():
            if name not in allowed:
                found.append(f"{where}: query parameter {name} is not in the spec")
                continue
            enum = allowed[name].get("schema", {}).get("enum")
            if enum and value not in enum:
                found.append(f"{where}: {name}={value!r} is not one of {enum}")
        return found

    def _form_problems(self, where: str, operation: Operation, form: dict, method: str) -> list[str]:
        body = operation.spec.get("requestBody")
        if body is None:
            return [f"{where}: the spec takes no form body here, got {sorted(form)}"] if form else []
        schema = resolve(self.document, body["content"]["application/x-www-form-urlencoded"]["schema"])
        properties = schema.get("properties", {})
        found = [f"{where}: form field {name} is not in the spec" for name in form if name not in properties]
        found += [f"{where}: required form field {name} missing" for name in schema.get("required", [])
                  if name not in form]
        for name, value in form.items():
            enum = resolve(self.document, properties.get(name, {})).get("enum")
            if enum and value not in enum:
                found.append(f"{where}: {name}={value!r} is not one of {enum}")
        return found

    def _auth_problems(self, where: str, operation: Operation, request: dict, auth_token_used: bool | None) -> list[str]:
        requirements = operation.spec.get("security", self.document.get("security", []))
        schemes = [self.security_schemes[name] for requirement in requirements for name in requirement]
        if not schemes:
            return []
        found = []
        expected = {(scheme["type"], scheme.get("scheme", "").lower()) for scheme in schemes}
        used = ("http", (request.get("auth_scheme") or "").lower())
        if used not in expected:
            found.append(f"{where}: authenticated with {used[1] or 'nothing'}, the spec wants {sorted(expected)}")
        if auth_token_used is not None and bool(request.get("authorised")) != auth_token_used:
            found.append(f"{where}: credentials were {'not ' if auth_token_used else ''}the account SID and auth token")
        return found


def _template_regex(template: str) -> re.Pattern:
    pattern = re.escape(template)
    pattern = re.sub(r"\\\{(\w+)\\\}", r"(?P<\1>[^/]+?)", pattern)
    return re.compile(pattern)


@functools.cache
def twilio_spec() -> TwilioSpec:
    """The spec, parsed once per test run (it is ~2 MB)."""
    return TwilioSpec()
