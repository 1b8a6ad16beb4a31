#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""lint_dockerfile.py DOCKERFILE [HEADLESS_BINARY]

No image is built here (no container engine or base image on the CI machine, and hadolint is not in
Debian), so this lints the Dockerfile: general rules in the spirit of hadolint (DL3006/DL3007 pinned base
images, DL3008-like apt hygiene, DL3015 --no-install-recommends, DL3009 apt lists removed, DL3020 COPY not
ADD, DL3002 last USER not root, DL4006-like JSON exec form) plus what the project requires of the image:
the GUI and tests switched off, a non-root user, ports 6001 and 9601, a HEALTHCHECK on /ready, and every
path COPY names present in the repository. Given the GUI-less binary, every library it links must come
from a package the runtime stage installs (dpkg -S), so the image would start.
"""
import pathlib
import re
import subprocess
import sys

path = pathlib.Path(sys.argv[1])
root = path.parent
text = path.read_text(encoding="utf-8")
# Join continuation lines, drop comments.
logical, current = [], ""
for line in text.splitlines():
    if not current and line.lstrip().startswith("#"):
        continue
    current += line.rstrip("\\").rstrip() + " " if line.rstrip().endswith("\\") else line
    if not line.rstrip().endswith("\\"):
        if current.strip():
            logical.append(current.strip())
        current = ""
instructions = [(l.split(None, 1)[0].upper(), l.split(None, 1)[1] if " " in l else "") for l in logical]
problems = []

stages = [args for op, args in instructions if op == "FROM"]
if not stages:
    problems.append("no FROM")
for args in stages:
    image = args.split()[0]
    if ":" not in image or image.endswith(":latest"):
        problems.append(f"FROM {image}: pin a tag (not latest)")
final = max(i for i, (op, _) in enumerate(instructions) if op == "FROM")
final_stage = instructions[final:]

for op, args in instructions:
    if op == "ADD":
        problems.append(f"ADD {args}: use COPY")
    if op == "RUN" and "apt-get install" in args:
        if "--no-install-recommends" not in args:
            problems.append("apt-get install without --no-install-recommends")
        if "rm -rf /var/lib/apt/lists" not in args:
            problems.append("apt-get install without removing /var/lib/apt/lists in the same RUN")
        if "apt-get update" not in args:
            problems.append("apt-get install without apt-get update in the same RUN")
        if not re.search(r"\s-y\b|--yes|--assume-yes", args):
            problems.append("apt-get install without -y")
    if op == "RUN" and re.search(r"\bapt-get upgrade\b|\bsudo\b", args):
        problems.append(f"RUN {args[:40]}…: no upgrade or sudo in images")
    if op == "COPY" and "--from=" not in args:
        for source in args.split()[:-1]:
            if not source.startswith("--") and not (root / source).exists():
                problems.append(f"COPY {source}: not in the repository")
    if op in ("CMD", "ENTRYPOINT") and not args.startswith("["):
        problems.append(f"{op} in shell form: use the JSON exec form so signals reach qsoketi")

users = [args for op, args in final_stage if op == "USER"]
if not users or users[-1].split(":")[0] in ("root", "0"):
    problems.append("the final stage must switch to a non-root USER")
exposed = {p.split("/")[0] for op, args in final_stage if op == "EXPOSE" for p in args.split()}
for port in ("6001", "9601"):
    if port not in exposed:
        problems.append(f"EXPOSE {port} missing")
health = [args for op, args in final_stage if op == "HEALTHCHECK"]
if not health or "/ready" not in health[-1]:
    problems.append("HEALTHCHECK on /ready missing")
build = " ".join(args for op, args in instructions if op == "RUN")
for flag in ("-DQSOKETI_BUILD_GUI=OFF", "-DQSOKETI_BUILD_TESTS=OFF"):
    if flag not in build:
        problems.append(f"the build does not pass {flag}")
if re.search(r"qt6-charts|libqt6widgets|libqt6gui|qt6-qpa", " ".join(a for o, a in final_stage if o == "RUN")):
    problems.append("the runtime image installs GUI libraries")

if len(sys.argv) > 2:
    runtime = " ".join(a for o, a in final_stage if o == "RUN")
    base = {"libc6", "libgcc-s1", "libstdc++6", "zlib1g", "libzstd1", "libssl3", "libicu72", "libglib2.0-0",
            "libpcre2-16-0", "libpcre2-8-0", "libdouble-conversion3", "libb2-1", "libgomp1", "libmd4c0",
            "libsystemd0", "liblzma5", "liblz4-1", "libcap2", "libgcrypt20", "libgpg-error0", "libbrotli1"}
    # Only the libraries it links directly (NEEDED); apt brings in what those depend on.
    ldd = subprocess.run(["ldd", sys.argv[2]], capture_output=True, text=True, check=True).stdout
    resolved = dict(re.findall(r"^\s*(\S+) => (/\S+)", ldd, re.M))
    dynamic = subprocess.run(["readelf", "-d", sys.argv[2]], capture_output=True, text=True, check=True).stdout
    libraries = [resolved[name] for name in re.findall(r"\(NEEDED\).*\[(.+)\]", dynamic) if name in resolved]
    packages = set()
    for library in libraries:
        owner = subprocess.run(["dpkg", "-S", library], capture_output=True, text=True)
        if owner.returncode != 0:  # usrmerge: /lib/x86_64-linux-gnu vs /usr/lib/x86_64-linux-gnu
            alternative = library[4:] if library.startswith("/usr/") else "/usr" + library
            owner = subprocess.run(["dpkg", "-S", alternative], capture_output=True, text=True)
        if owner.returncode == 0:
            packages.add(owner.stdout.split(":", 1)[0])
    for package in sorted(packages - base):
        if not re.search(rf"(^|\s){re.escape(package)}(\s|$)", runtime):
            problems.append(f"the server links a library of {package}, which the runtime stage does not install")
    print(f"the GUI-less binary's {len(libraries)} direct libraries come from {len(packages)} packages; the runtime "
          f"stage installs the {len(packages - base)} that are not in every Debian image")

if problems:
    print("\n".join("FAIL: " + p for p in problems))
    sys.exit(1)
print(f"Dockerfile lint: {len(instructions)} instructions, {len(stages)} stages, non-root, EXPOSE 6001 9601, "
      "HEALTHCHECK /ready, GUI and tests off — ok (linted only: no image is built on this machine)")
