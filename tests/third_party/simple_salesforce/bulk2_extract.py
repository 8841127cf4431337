"""The reference extraction of the sync benchmark (examples/sync_bench.rs): the same objects
and select lists Vitals reads, through simple-salesforce's bulk2 query, each page parsed into
records (one dict per row), against a Vitals Salesforce emulator.

Usage: python bulk2_extract.py BASE_URL QUERIES.json WAIT
  QUERIES.json: [{"object": "Account", "soql": "SELECT ... FROM Account"}, ...]
  WAIT: simple-salesforce's bulk2 `wait` in seconds (its default is 5).

Prints one JSON object: wall and CPU seconds of the extraction (login included), and the
rows per object. The library is used unchanged; as in check.py, a plain requests transport
adapter sends its https://{instance} requests to the emulator over HTTP on loopback.
"""

import csv
import io
import json
import os
import resource
import sys
import time
from urllib.parse import urlsplit, urlunsplit

import requests
from simple_salesforce import Salesforce

CLIENT_ID = os.environ.get("EMULATOR_CLIENT_ID", "vitals-emulator-client")
CLIENT_SECRET = os.environ.get("EMULATOR_CLIENT_SECRET", "vitals-emulator-secret")


class LoopbackAdapter(requests.adapters.HTTPAdapter):
    """Sends each https://{host}/{path} request to the emulator's http://127.0.0.1:PORT/{path}."""

    def __init__(self, base):
        super().__init__()
        self.base = urlsplit(base)

    def send(self, request, **kwargs):
        url = urlsplit(request.url)
        request.url = urlunsplit(
            (self.base.scheme, self.base.netloc, url.path, url.query, url.fragment)
        )
        return super().send(request, **kwargs)


def cpu_seconds():
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def main():
    base, queries_file, wait = sys.argv[1], sys.argv[2], float(sys.argv[3])
    with open(queries_file) as f:
        queries = json.load(f)
    started, cpu_started = time.perf_counter(), cpu_seconds()
    session = requests.Session()
    session.mount("https://", LoopbackAdapter(base))
    sf = Salesforce(
        consumer_key=CLIENT_ID,
        consumer_secret=CLIENT_SECRET,
        domain="emulator",
        version="66.0",
        session=session,
    )
    rows = {}
    for query in queries:
        count = 0
        bulk = getattr(sf.bulk2, query["object"])
        for page in bulk.query(query["soql"], max_records=50000, wait=wait):
            for _record in csv.DictReader(io.StringIO(page)):
                count += 1
        rows[query["object"]] = count
    result = {
        "wall_seconds": time.perf_counter() - started,
        "cpu_seconds": cpu_seconds() - cpu_started,
        "peak_rss_kb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss,
        "rows": rows,
    }
    print(json.dumps(result))


if __name__ == "__main__":
    main()
