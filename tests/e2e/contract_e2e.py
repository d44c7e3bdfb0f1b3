#!/usr/bin/env python3
"""The REST API against its own OpenAPI document: Schemathesis (PyPI) generates requests for every
operation of `/api/v1/openapi.json` served by a live `smsflow serve` (SQLite, an API key, the
example workflows) and checks every answer: no 5xx, and status code, content type, headers and body
as the document declares them. Stateful sequences follow the links the document declares.

    contract_e2e.py --smsflow BIN --schemathesis BIN --work DIR [--port-base 18350]
                    [--max-examples 20] [--seed 1] [--max-time SECONDS]

A fixed seed keeps CI repeatable; SMSFLOW_CONTRACT_SEED=random (or another number) explores further.
The report (JUnit XML and the failures' reproductions) goes to WORK/report.
"""
import argparse
import os
import shutil
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import Checks, Failed, Processes, http, port_open, smsflow_cli, wait_until  # noqa: E402

CHECKS = ",".join([
    "not_a_server_error",
    "status_code_conformance",
    "content_type_conformance",
    "response_headers_conformance",
    "response_schema_conformance",
])


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--smsflow", required=True)
    parser.add_argument("--schemathesis", required=True)
    parser.add_argument("--work", required=True)
    parser.add_argument("--port-base", type=int, default=18350)
    parser.add_argument("--max-examples", type=int, default=20)
    parser.add_argument("--seed", default=os.environ.get("SMSFLOW_CONTRACT_SEED", "1"))
    parser.add_argument("--max-time", type=int, default=0)
    args = parser.parse_args()
    work = os.path.abspath(args.work)
    shutil.rmtree(work, ignore_errors=True)
    os.makedirs(work)
    port = args.port_base + 1
    base = f"http://127.0.0.1:{port}"
    env = {
        "SMSFLOW_DATA_DIR": os.path.join(work, "data"),
        # Keywords only: no model download in the background during the run.
        "SMSFLOW_MODEL": "off",
        "SMSFLOW_DATABASE_URL": "sqlite://" + os.path.join(work, "data", "smsflow.db"),
        "SMSFLOW_LISTEN": f"127.0.0.1:{port}",
        "SMSFLOW_PUBLIC_URL": base,
        "RUST_LOG": "warn",
    }
    c = Checks("contract")
    procs = Processes(os.path.join(work, "logs"))
    try:
        key = smsflow_cli(args.smsflow, env, "api-key", "create", "--name", "contract").strip().splitlines()[-1]
        smsflow_cli(args.smsflow, env, "workflows", "import", "examples/workflows.yaml")
        if port_open(port):
            raise Failed(f"port {port} is already in use")
        procs.start("smsflow", [args.smsflow, "serve"], env)

        def healthy():
            if not procs.alive("smsflow"):
                raise Failed("smsflow exited:\n" + procs.tail("smsflow"))
            return port_open(port) and http("GET", base + "/healthz", timeout=2)[0] == 200
        wait_until("smsflow /healthz", healthy, 30)

        command = [
            args.schemathesis, "run", base + "/api/v1/openapi.json",
            "--url", base + "/api/v1",
            "--header", f"Authorization: Bearer {key}",
            "--checks", CHECKS,
            "--max-examples", str(args.max_examples),
            "--phases", "examples,coverage,fuzzing,stateful",
            "--workers", "2",
            "--request-timeout", "30",
            "--suppress-health-check", "too_slow,filter_too_much",
            "--report", "junit",
            "--report-dir", os.path.join(work, "report"),
            "--no-color",
        ]
        if args.seed != "random":
            command += ["--seed", str(args.seed)]
        if args.max_time:
            command += ["--max-time", str(args.max_time)]
        print("$ " + " ".join(a if "Bearer" not in a else "'Authorization: Bearer ***'" for a in command),
              flush=True)
        status = subprocess.run(command, cwd=work, timeout=1800).returncode
        c.ok("Schemathesis found every answer as the OpenAPI document declares (no 5xx)", status == 0,
             f"exit status {status}; reproductions in {work}/report")
        c.ok("the server survived the run", procs.alive("smsflow"), procs.tail("smsflow"))
    except Failed as failure:
        c.ok("the contract test ran to the end", False, str(failure))
    finally:
        procs.stop_all()
    return 0 if c.summary() else 1


if __name__ == "__main__":
    sys.exit(main())
