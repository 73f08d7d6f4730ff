#!/usr/bin/env python3
"""Validates recorded HeyGen v3 exchanges against HeyGen's published schemas.

    schema_check.py SCHEMA.json CASES_DIR

Each file in CASES_DIR is one JSON case:
    {"endpoint": "POST /v3/videos", "kind": "request" | "response" | "query", "name": "...",
     "body": <JSON>  (request, response)  |  "params": {"name": ["value", ...]}  (query)}

Requests are validated strictly: every object in the schema is closed (no key the schema lacks). Responses are
lenient (unknown fields allowed), as a client must be. Query parameters are checked against the endpoint's query
definitions: known names, enum values, integer type and minimum/maximum.

The request body of POST /v3/videos is checked against its avatar variant (`POST /v3/videos#avatar`), the one a
Digital Twin video uses. Endpoints the schema keeps under `_extra` (such as POST /v3/voices/speech) are looked up
there too. Prints one line per case and exits 1 when any case fails.
"""
import copy
import json
import os
import sys

import jsonschema


def closed(schema):
    """A copy of `schema` in which every object with properties allows no other key."""
    schema = copy.deepcopy(schema)

    def walk(node):
        if isinstance(node, dict):
            if "properties" in node and "additionalProperties" not in node:
                node["additionalProperties"] = False
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk(schema)
    return schema


def check_query(definitions, params):
    problems = []
    for name, values in params.items():
        if name not in definitions:
            problems.append(f"query parameter {name!r} is not in the schema (known: {sorted(definitions)})")
            continue
        spec = definitions[name]
        for value in values:
            if "enum" in spec and value not in spec["enum"]:
                problems.append(f"{name}={value!r} is not one of {spec['enum']}")
            if spec.get("type") == "int":
                try:
                    number = int(value)
                except ValueError:
                    problems.append(f"{name}={value!r} is not an integer")
                    continue
                if "minimum" in spec and number < spec["minimum"]:
                    problems.append(f"{name}={number} is below the minimum {spec['minimum']}")
                if "maximum" in spec and number > spec["maximum"]:
                    problems.append(f"{name}={number} is above the maximum {spec['maximum']}")
    for name, spec in definitions.items():
        if spec.get("required") and name not in params:
            problems.append(f"required query parameter {name!r} is missing")
    return problems


def main():
    if len(sys.argv) != 3:
        print(__doc__, file=sys.stderr)
        return 2
    with open(sys.argv[1]) as handle:
        schemas = json.load(handle)
    failures = 0
    cases = sorted(f for f in os.listdir(sys.argv[2]) if f.endswith(".json"))
    if not cases:
        print("no cases", file=sys.stderr)
        return 2
    for file in cases:
        with open(os.path.join(sys.argv[2], file)) as handle:
            case = json.load(handle)
        endpoint, kind = case["endpoint"], case["kind"]
        label = f"{kind} {endpoint} ({case.get('name', file)})"
        spec = schemas.get(endpoint) if not endpoint.startswith("_") else None
        if spec is None:
            spec = (schemas.get("_extra") or {}).get(endpoint)
        if spec is None:
            print(f"FAIL {label}: no such endpoint in the schema")
            failures += 1
            continue
        problems = []
        if kind == "query":
            problems = check_query(spec.get("query") or {}, case["params"])
        else:
            if kind == "request":
                target = schemas.get(endpoint + "#avatar", spec)["request"] if endpoint == "POST /v3/videos" else spec["request"]
                if target is None:
                    problems = ["the schema has no request body for this endpoint"]
                else:
                    target = closed(target)
            else:
                target = spec["response"]
            if not problems:
                validator = jsonschema.Draft202012Validator(target)
                for error in sorted(validator.iter_errors(case["body"]), key=lambda e: list(e.absolute_path)):
                    where = "/".join(str(p) for p in error.absolute_path) or "(root)"
                    problems.append(f"{where}: {error.message[:300]}")
        if problems:
            failures += 1
            print(f"FAIL {label}")
            for problem in problems[:20]:
                print(f"    {problem}")
        else:
            print(f"ok   {label}")
    print(f"schema check: {len(cases) - failures} of {len(cases)} cases conform")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
