"""The operator's path (issue 15): what an operator sees in Dagster and runs by hand."""

from __future__ import annotations

from pathlib import Path

import yaml

REPO = Path(__file__).resolve().parents[1]


def test_dbt_assets_are_grouped_by_layer_and_every_check_is_described():
    from pipelines.definitions import build_definitions

    graph = build_definitions().get_repository_def().asset_graph
    groups: dict[str, set[str]] = {}
    checks = []
    for assets in graph.assets_defs:
        for key in assets.keys:
            groups.setdefault(assets.group_names_by_key.get(key), set()).add(key.to_user_string())
        checks.extend(assets.check_specs)
    for layer in ("reference", "staging", "intermediate", "marts"):
        assert groups.get(layer), f"no dbt group {layer}"
    assert any(name.endswith("fct_monitor") for name in groups["marts"])
    assert any(name.endswith("stg_gemeente__verblijven") for name in groups["staging"])
    assert "dbt" not in groups and "default" not in groups, "every dbt node has its layer"
    assert len(checks) > 50
    assert [str(c.key) for c in checks if not (c.description or "").strip()] == []


class _DuplicateKeyLoader(yaml.SafeLoader):
    """YAML loader that refuses a mapping with a key twice (YAML keeps the last one silently)."""


def _no_duplicates(loader, node, deep=False):
    keys = [loader.construct_object(key, deep=deep) for key, _ in node.value]
    duplicates = sorted({str(k) for k in keys if keys.count(k) > 1})
    assert not duplicates, f"{node.start_mark}: key(s) {duplicates} twice; the first is silently dropped"
    return yaml.SafeLoader.construct_mapping(loader, node, deep)


_DuplicateKeyLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _no_duplicates)


def test_no_dbt_yaml_has_a_key_twice():
    files = sorted((REPO / "dbt_project").rglob("*.yml"))
    files = [f for f in files if "target" not in f.parts and "dbt_packages" not in f.parts]
    assert len(files) > 10
    for path in files:
        yaml.load(path.read_text(encoding="utf-8"), Loader=_DuplicateKeyLoader)


def test_the_quarantine_tests_are_both_there():
    """stg_ingest__quarantine.yml had `data_tests` twice, so its unique test was dropped."""
    import json

    from pipelines.defs.dbt_in_process import manifest_path

    manifest = json.loads(manifest_path().read_text(encoding="utf-8"))
    tests = {node["test_metadata"]["name"] for node in manifest["nodes"].values()
             if node["resource_type"] == "test" and node.get("test_metadata")
             and "model.lvv_monitor.stg_ingest__quarantine" in node["depends_on"]["nodes"]
             and not node.get("column_name")}
    assert {"unique_combination_of_columns", "not_null_columns"} <= tests


def test_dagster_temp_homes_are_ignored():
    assert ".tmp_dagster_home_*/" in (REPO / ".gitignore").read_text().splitlines()
