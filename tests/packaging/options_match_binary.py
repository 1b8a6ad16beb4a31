#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""options_match_binary.py SOURCE_DIR QSOKETI_BINARY

The option table (packaging/config/options.txt, source of the docs, man pages and --help) must match what
the built server accepts:
  * every variable and config key of the table is known to the binary (no "unknown setting"/"unknown key");
  * every SOKETI_* name the binary knows is in the table. Candidates are the upper-case string literals of
    core/config/*.{cpp,h} (where the loader's tables live); the binary decides which of them are settings.
Sentinels that are not settings must be reported as unknown, so a change in the wording of those errors
fails this test instead of passing it silently.
"""
import json
import pathlib
import re
import subprocess
import sys
import tempfile

src = pathlib.Path(sys.argv[1])
binary = str(pathlib.Path(sys.argv[2]).resolve())
sys.path.insert(0, str(src / "packaging/config"))
import generate  # noqa: E402

options = generate.read_table()
table_vars = {o.variable for o in options if o.variable}
table_keys = {o.key for o in options}
SENTINEL_VAR = "SOKETI_QSOKETI_TEST_NOT_A_SETTING"
SENTINEL_KEY = "qsoketiTestNotAKey"

candidates = set()
for path in sorted([*(src / "core/config").glob("*.cpp"), *(src / "core/config").glob("*.h")]):
    for name in re.findall(r'"([A-Z][A-Z0-9_]*[A-Z0-9])"', path.read_text(encoding="utf-8")):
        candidates.add(name if name.startswith("SOKETI_") else "SOKETI_" + name)


def run(env_vars, config=None):
    with tempfile.TemporaryDirectory() as cwd:  # no .env here
        args = [binary, "start", "--no-gui"]
        if config is not None:
            config_path = pathlib.Path(cwd) / "config.json"
            config_path.write_text(json.dumps(config))
            args += ["--config", str(config_path)]
        env = {"PATH": "/usr/bin:/bin", "QT_QPA_PLATFORM": "offscreen", "LC_ALL": "C.UTF-8", **env_vars}
        result = subprocess.run(args, env=env, cwd=cwd, capture_output=True, text=True, timeout=30)
    if result.returncode == 0:
        sys.exit(f"FAIL: the binary started although its settings were invalid:\n{result.stderr}")
    return result.stderr


failures = []

# 1. Variables: the table's, the candidates and a sentinel, all at once ("x" is of the wrong type for most;
#    type errors are fine, only "unknown setting" lines count).
log = run({name: "x" for name in table_vars | candidates | {SENTINEL_VAR}})
unknown = set(re.findall(r"(SOKETI_\w+): unknown setting", log))
if SENTINEL_VAR not in unknown:
    failures.append(f"the binary did not report {SENTINEL_VAR} as unknown; log:\n{log}")
for name in sorted(table_vars & unknown):
    failures.append(f"{name} is in the option table but the binary does not know it")
for name in sorted(candidates - unknown - table_vars):
    failures.append(f"{name} is a setting of the binary but missing from packaging/config/options.txt")

# 2. Config-file keys.
config = {key: "x" for key in table_keys}
config[SENTINEL_KEY] = "x"
log = run({}, config)
unknown_keys = set(re.findall(r'unknown key "([^"]+)"', log))
if SENTINEL_KEY not in unknown_keys:
    failures.append(f'the binary did not report the key "{SENTINEL_KEY}" as unknown; log:\n{log}')
for key in sorted(table_keys & unknown_keys):
    failures.append(f'config key "{key}" is in the option table but the binary does not know it')

if failures:
    print("\n".join("FAIL: " + f for f in failures))
    print("edit packaging/config/options.txt, then run: python3 packaging/config/generate.py")
    sys.exit(1)
print(f"option table matches the binary: {len(table_vars)} variables, {len(table_keys)} config keys, "
      f"{len(candidates & table_vars)} of {len(candidates)} literals in core/config are settings")
