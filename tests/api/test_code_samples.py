"""The code samples /api/docs shows for each operation (x-codeSamples): one per language, each a
program its language accepts, calling that operation's own path."""

import ast
import json
import subprocess

import pytest

from sunat.api import openapi

OPERATIONS = [(method, path, operation) for path, item in openapi.schema()["paths"].items()
              for method, operation in item.items()]
LANGUAGES = ["curl", "Python", "JavaScript", "PHP"]


def samples(language: str) -> list[tuple[str, str, str]]:
    return [(method, path, next(sample["source"] for sample in operation["x-codeSamples"] if sample["label"] == language))
            for method, path, operation in OPERATIONS]


def test_every_operation_has_a_sample_in_each_language_that_calls_it():
    for _, path, operation in OPERATIONS:
        assert [sample["label"] for sample in operation["x-codeSamples"]] == LANGUAGES, path
        concrete = path.replace("{ruc}", "20131312955").replace("{dni}", "12345678")
        for sample in operation["x-codeSamples"]:
            assert concrete in sample["source"], (path, sample["label"])
            assert ("Bearer rk_..." in sample["source"]) == (operation.get("security") != []), (path, sample["label"])
    for _, path, operation in OPERATIONS:
        if "requestBody" in operation:  # the example the reference shows is the one the samples send
            example = operation["requestBody"]["content"]["application/json"]["example"]
            assert all(json.dumps(example, ensure_ascii=False) in sample["source"] or repr(example) in sample["source"]
                       for sample in operation["x-codeSamples"]), path
    for method, _, source in samples("Python"):
        ast.parse(source)
        assert f"requests.{method}(" in source


@pytest.mark.servers
@pytest.mark.parametrize(("language", "checker"), [
    ("curl", ["bash", "-n", "{file}"]),
    ("JavaScript", ["node", "--check", "{file}"]),
    ("PHP", ["php", "-l", "{file}"]),
])
def test_each_sample_is_a_program_its_language_accepts(tmp_path, language, checker):
    for number, (method, path, source) in enumerate(samples(language)):
        file = tmp_path / f"muestra-{number}.{ {'curl': 'sh', 'JavaScript': 'mjs', 'PHP': 'php'}[language] }"
        file.write_text(f"<?php\n{source}\n" if language == "PHP" else source + "\n")
        result = subprocess.run([part.format(file=file) for part in checker], capture_output=True, text=True, timeout=30)
        assert result.returncode == 0, f"{method} {path}:\n{source}\n{result.stdout}{result.stderr}"
