#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""dashboard_metrics.py SOURCE_DIR QSOKETI_BINARY

Checks packaging/grafana/qsoketi.json and packaging/prometheus/qsoketi-alerts.yml against a real qsoketi:
  1. the dashboard is import-ready: a DS_PROMETHEUS input every panel and query uses, an app variable;
  2. every metric name either file queries is one a real /metrics scrape of the built server exports
     (histograms also as _bucket/_sum/_count), and the dashboard covers the charts the issue lists;
  3. every dashboard query is valid PromQL (promtool check rules on them as recording rules);
  4. a real Prometheus scraping the server answers every dashboard query (as Grafana would ask it) with
     data, except the Redis adapter panels, which have no series on a server without Redis.
Steps 3 and 4 need promtool and prometheus (bash packaging/bootstrap.sh test installs them).
"""
import base64
import json
import os
import pathlib
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.parse
import urllib.request

src = pathlib.Path(sys.argv[1])
binary = str(pathlib.Path(sys.argv[2]).resolve())
dashboard = json.loads((src / "packaging/grafana/qsoketi.json").read_text(encoding="utf-8"))
alerts_text = (src / "packaging/prometheus/qsoketi-alerts.yml").read_text(encoding="utf-8")
METRIC = re.compile(r"\b(soketi_[a-zA-Z0-9_:]+)")
failures = []


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def get(url, timeout=2):
    with urllib.request.urlopen(url, timeout=timeout) as response:
        return response.read().decode()


def wait_for(url, what, seconds=20):
    deadline = time.time() + seconds
    while time.time() < deadline:
        try:
            return get(url)
        except OSError:
            time.sleep(0.1)
    sys.exit(f"FAIL: {what} did not answer {url} within {seconds} s")


def websocket_client(port):
    """A real WebSocket client (RFC 6455 handshake), so soketi_connected has a non-zero series."""
    sock = socket.create_connection(("127.0.0.1", port), timeout=5)
    key = base64.b64encode(os.urandom(16)).decode()
    sock.sendall((f"GET /app/app-key?protocol=7&client=py&version=1 HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n"
                  f"Upgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: {key}\r\n"
                  "Sec-WebSocket-Version: 13\r\n\r\n").encode())
    answer = sock.recv(4096)
    if b" 101 " not in answer.split(b"\r\n", 1)[0]:
        sys.exit(f"FAIL: WebSocket upgrade refused: {answer[:200]!r}")
    return sock


# --- 1. import-ready structure
inputs = {i.get("name"): i for i in dashboard.get("__inputs", [])}
if inputs.get("DS_PROMETHEUS", {}).get("pluginId") != "prometheus":
    failures.append("no DS_PROMETHEUS input of type prometheus in __inputs")
queries = []  # (panel title, expr)
for panel in dashboard["panels"]:
    if panel["type"] == "row":
        continue
    if panel.get("datasource", {}).get("uid") != "${DS_PROMETHEUS}":
        failures.append(f'panel "{panel["title"]}" does not use the DS_PROMETHEUS input')
    for target in panel.get("targets", []):
        if target.get("datasource", {}).get("uid") != "${DS_PROMETHEUS}":
            failures.append(f'a query of "{panel["title"]}" does not use the DS_PROMETHEUS input')
        queries.append((panel["title"], target["expr"]))
variables = {v["name"]: v for v in dashboard["templating"]["list"]}
if "app_id" not in variables.get("app", {}).get("definition", ""):
    failures.append("no per-app variable (label_values(..., app_id)) named app")
variable_queries = [v["definition"] for v in variables.values()]

# --- 2. metric names against a real scrape
port, metrics_port = free_port(), free_port()
env = {"PATH": "/usr/bin:/bin", "LC_ALL": "C.UTF-8", "QT_QPA_PLATFORM": "offscreen", "SOKETI_HOST": "127.0.0.1",
       "SOKETI_PORT": str(port), "SOKETI_METRICS_ENABLED": "1", "SOKETI_METRICS_HOST": "127.0.0.1",
       "SOKETI_METRICS_SERVER_PORT": str(metrics_port), "SOKETI_SHUTDOWN_GRACE_PERIOD": "100"}
workdir = tempfile.mkdtemp()
server = subprocess.Popen([binary, "start", "--no-gui"], env=env, cwd=workdir, stdout=subprocess.DEVNULL,
                          stderr=subprocess.PIPE, text=True)
prometheus = None
try:
    scrape = wait_for(f"http://127.0.0.1:{metrics_port}/metrics", "qsoketi")
    client = websocket_client(port)
    scrape = get(f"http://127.0.0.1:{metrics_port}/metrics")
    families = dict(re.findall(r"^# TYPE (\S+) (\S+)$", scrape, re.M))
    exported = set(families)
    for name, kind in families.items():
        if kind in ("histogram", "summary"):
            exported |= {name + "_sum", name + "_count"} | ({name + "_bucket"} if kind == "histogram" else set())
    used_dashboard = {m for _, expr in queries for m in METRIC.findall(expr)} | {
        m for q in variable_queries for m in METRIC.findall(q)}
    used_alerts = set(METRIC.findall(alerts_text))
    for name in sorted(used_dashboard - exported):
        failures.append(f"the dashboard queries {name}, which /metrics does not export")
    for name in sorted(used_alerts - exported):
        failures.append(f"the alert rules use {name}, which /metrics does not export")
    required = ["soketi_connected", "soketi_new_connections_total", "soketi_new_disconnections_total",
                "soketi_ws_messages_received_total", "soketi_ws_messages_sent_total", "soketi_socket_received_bytes",
                "soketi_socket_transmitted_bytes", "soketi_http_calls_received_total", "soketi_eventloop_lag_seconds",
                "soketi_process_resident_memory_bytes", "soketi_horizontal_adapter_resolve_time_bucket"]
    for name in required:
        if name not in used_dashboard:
            failures.append(f"no dashboard panel shows {name}")
    print(f"/metrics exports {len(families)} families; the dashboard queries {len(used_dashboard)} names in "
          f"{len(queries)} queries, the alert rules {len(used_alerts)}: all exported" if not failures else "")

    def as_grafana_would(expr, rate_interval):
        return expr.replace("$__rate_interval", rate_interval).replace("$app", ".*").replace("$instance", ".*")

    # --- 3. PromQL syntax
    promtool = shutil.which("promtool")
    prometheus_bin = shutil.which("prometheus")
    if not promtool or not prometheus_bin:
        if os.environ.get("CI") == "true":
            failures.append("promtool/prometheus are not installed (bash packaging/bootstrap.sh test)")
        else:
            print("SKIP (no promtool/prometheus): PromQL syntax and live query checks")
    else:
        rules = ["groups:", "  - name: dashboard", "    rules:"]
        for i, (_, expr) in enumerate(queries):
            rules += [f"      - record: dashboard_query_{i}", f"        expr: {json.dumps(as_grafana_would(expr, '1m'))}"]
        rules_file = pathlib.Path(workdir) / "dashboard-rules.yml"
        rules_file.write_text("\n".join(rules) + "\n")
        check = subprocess.run([promtool, "check", "rules", str(rules_file)], capture_output=True, text=True)
        if check.returncode != 0:
            failures.append(f"promtool rejects a dashboard query:\n{check.stdout}{check.stderr}")
        else:
            print(f"promtool check rules: all {len(queries)} dashboard queries are valid PromQL")

        # --- 4. a real Prometheus answers the panels
        prom_port = free_port()
        config = pathlib.Path(workdir) / "prometheus.yml"
        config.write_text("global:\n  scrape_interval: 1s\nscrape_configs:\n  - job_name: qsoketi\n"
                          f"    static_configs:\n      - targets: ['127.0.0.1:{metrics_port}']\n")
        prometheus = subprocess.Popen(
            [prometheus_bin, f"--config.file={config}", f"--storage.tsdb.path={workdir}/data",
             f"--web.listen-address=127.0.0.1:{prom_port}"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        base = f"http://127.0.0.1:{prom_port}"
        wait_for(f"{base}/-/ready", "prometheus", 30)

        def query(expr):
            url = f"{base}/api/v1/query?" + urllib.parse.urlencode({"query": expr})
            return json.loads(get(url, timeout=5))["data"]["result"]

        # Enough scrapes for rate() over the 5 s window Grafana's $__rate_interval becomes here.
        deadline = time.time() + 30
        while time.time() < deadline:
            samples = query("count_over_time(soketi_process_start_time_seconds[10s])")
            if samples and float(samples[0]["value"][1]) >= 4:
                break
            time.sleep(0.5)
        empty = []
        for title, expr in queries:
            if not query(as_grafana_would(expr, "5s")):
                empty.append((title, expr))
        adapter_only = all("horizontal_adapter" in expr for _, expr in empty)
        for title, expr in empty:
            if "horizontal_adapter" not in expr:
                failures.append(f'panel "{title}" gets no data from a Prometheus scraping qsoketi: {expr}')
        connected = query('sum(soketi_connected{app_id=~".*"})')
        if not connected or float(connected[0]["value"][1]) != 1:
            failures.append(f"the Connected panel's query does not see the one connected client: {connected}")
        for variable in variables.values():
            match = re.match(r"label_values\((.*), (\w+)\)$", variable["definition"])
            if not match:
                continue
            series = query(match.group(1).replace("$instance", ".*"))
            if not any(match.group(2) in s["metric"] for s in series):
                failures.append(f'variable {variable["name"]} finds no {match.group(2)} values')
        if adapter_only:
            print(f"a real Prometheus scraping qsoketi answers {len(queries) - len(empty)} of {len(queries)} panel "
                  f"queries with data; the {len(empty)} without are the Redis adapter's (no Redis here); "
                  f"the app and instance variables resolve")
    client.close()
finally:
    if prometheus:
        prometheus.terminate()
        prometheus.wait(10)
    server.terminate()
    server.wait(10)
    shutil.rmtree(workdir, ignore_errors=True)

if failures:
    print("\n".join("FAIL: " + f for f in failures))
    sys.exit(1)
