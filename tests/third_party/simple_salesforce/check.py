"""Checks the Vitals Salesforce emulator with simple-salesforce, a real third-party client.

Usage: EMULATOR_URL=http://127.0.0.1:PORT python check.py
(the emulator must serve a generated org: `vitals emulator --accounts 50`).

The library is used unchanged, as an integration would use it. It builds every URL as
https://{instance}/..., so the one concession is a plain requests transport adapter,
mounted on the session simple-salesforce accepts, that sends those requests to the
emulator over HTTP on loopback. Each step compares what comes back with the org's
documented behaviour and with the emulator's own view (its admin API); any mismatch exits
non-zero naming the step. Nothing here leaves loopback or sleeps beyond simple-salesforce's
own Bulk polling (50 ms here).
"""

import csv
import io
from importlib.metadata import version
import os
import sys
import time
from urllib.parse import urlsplit, urlunsplit

import requests
from simple_salesforce import Salesforce
from simple_salesforce.exceptions import SalesforceResourceNotFound

BASE = os.environ.get("EMULATOR_URL", "")
CLIENT_ID = os.environ.get("EMULATOR_CLIENT_ID", "vitals-emulator-client")
CLIENT_SECRET = os.environ.get("EMULATOR_CLIENT_SECRET", "vitals-emulator-secret")
# Keys unique to this run, so the check can run twice against one emulator.
RUN = format(int(time.time() * 1000), "x")
POLL = 0.05

step = "setup"
checks = 0


def fail(message):
    print(f'simple-salesforce check FAILED in "{step}": {message}', file=sys.stderr)
    sys.exit(1)


def expect(condition, message):
    global checks
    checks += 1
    if not condition:
        fail(message)


def expect_equal(actual, expected, what):
    expect(actual == expected, f"{what}: expected {expected!r}, got {actual!r}")


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


def admin(method, path, body=None):
    response = requests.request(method, f"{BASE}/_emulator{path}", json=body, timeout=30)
    if not response.ok:
        fail(f"admin {path} answered {response.status_code}: {response.text}")
    return response.json() if response.text else None


def count(obj):
    return admin("GET", "/counts").get(obj, 0)


def pages(csv_pages):
    """Each page of a Bulk query as (header, rows), every page parsed on its own."""
    out = []
    for page in csv_pages:
        reader = csv.reader(io.StringIO(page))
        header = next(reader)
        out.append((header, list(reader)))
    return out


def main():
    global step
    if not BASE:
        fail("set EMULATOR_URL to the emulator base URL")
    started = time.time()

    step = "login (OAuth 2.0 client credentials, HTTP Basic)"
    session = requests.Session()
    session.mount("https://", LoopbackAdapter(BASE))
    sf = Salesforce(
        consumer_key=CLIENT_ID,
        consumer_secret=CLIENT_SECRET,
        domain="emulator",
        version="66.0",
        session=session,
    )
    expect(sf.session_id, "no session id after login")
    expect_equal(sf.sf_instance, urlsplit(BASE).netloc, "instance from instance_url")

    step = "query_all paging (batchSize=200)"
    admin("DELETE", "/requests")
    result = sf.query_all(
        "SELECT Id, Subject, Account.Name FROM Task",
        headers={"Sforce-Query-Options": "batchSize=200"},
    )
    total = result["totalSize"]
    expect(total > 400, f"want several pages of tasks, totalSize={total}")
    expect_equal(total, count("Task"), "totalSize against the emulator's count")
    expect_equal(len(result["records"]), total, "records fetched across pages")
    expect_equal(len({r["Id"] for r in result["records"]}), total, "distinct Ids")
    log = admin("GET", "/requests")["log"]
    fetched = [e for e in log if e["method"] == "GET" and "/query" in e["path"]]
    expect_equal(len(fetched), -(-total // 200), "query pages requested")

    step = "create (POST .../sobjects/Account/)"
    accounts = count("Account")
    created = sf.Account.create({"Name": f"ssf {RUN}", "Health_Status__c": "Healthy"})
    expect(created["success"] and created["id"].startswith("001"), f"create: {created}")
    account = created["id"]
    expect_equal(count("Account"), accounts + 1, "accounts after create")

    step = "update and get"
    expect_equal(sf.Account.update(account, {"Name": f"ssf {RUN} renamed"}), 204, "update status")
    record = sf.Account.get(account)
    expect_equal(record["Name"], f"ssf {RUN} renamed", "name after update")
    expect_equal(record["Health_Status__c"], "Healthy", "untouched field after update")
    expect(record["SystemModstamp"].endswith(".000+0000"), record["SystemModstamp"])

    step = "delete"
    expect_equal(sf.Account.delete(account), 204, "delete status")
    expect_equal(count("Account"), accounts, "accounts after delete")
    try:
        sf.Account.get(account)
        fail("a deleted account can still be read")
    except SalesforceResourceNotFound as error:
        expect_equal(error.content[0]["errorCode"], "ENTITY_IS_DELETED", "read after delete")

    step = "upsert by external Id"
    key = f"Vitals_Key__c/ssf-{RUN}-1"
    task = {"Subject": "first", "Status": "Not Started", "Priority": "Normal"}
    expect_equal(sf.Task.upsert(key, task), 201, "upsert that inserts")
    expect_equal(sf.Task.upsert(key, {"Subject": "again"}), 200, "upsert that updates")
    found = sf.query(f"SELECT Subject FROM Task WHERE Vitals_Key__c = 'ssf-{RUN}-1'")
    expect_equal([r["Subject"] for r in found["records"]], ["again"], "upserted task")

    step = "Bulk 2.0 query, pages of maxRecords"
    soql = "SELECT Id, Name FROM Account ORDER BY Name"
    total = count("Account")
    by_count = pages(sf.bulk2.Account.query(soql, max_records=7, wait=POLL))
    expect_equal(len(by_count), -(-total // 7), "pages of 7 rows")
    expect(all(h == ["Id", "Name"] for h, _ in by_count), "every page has the header")
    rows = [row for _, page in by_count for row in page]
    expect_equal(len(rows), total, "rows across pages")
    expect_equal(len({r[0] for r in rows}), total, "distinct Ids across pages")

    step = "Bulk 2.0 query, pages cut by size"
    admin("POST", "/settings", {"bulkResultPageBytes": 600})
    try:
        by_size = pages(sf.bulk2.Account.query(soql, wait=POLL))
    finally:
        admin("POST", "/settings", {"bulkResultPageBytes": 64 * 1024 * 1024})
    expect(len(by_size) > 1, f"one page only at 600 bytes ({len(by_size)})")
    expect_equal([row for _, page in by_size for row in page], rows, "same rows in order")

    step = "Bulk 2.0 ingest insert with results"
    accounts = count("Account")
    inserted = sf.bulk2.Account.insert(
        records=[
            {"Name": f"bulk {RUN} 1", "Health_Status__c": "Monitor"},
            {"Name": f"bulk {RUN} 2", "Health_Status__c": "Sideways"},
            {"Name": f"bulk {RUN} 3", "Health_Status__c": "At Risk"},
        ],
        wait=POLL,
    )
    expect_equal(len(inserted), 1, "one job")
    job = inserted[0]
    expect_equal(
        (job["numberRecordsProcessed"], job["numberRecordsFailed"]), (3, 1), "job counters"
    )
    ok = list(csv.DictReader(io.StringIO(sf.bulk2.Account.get_successful_records(job["job_id"]))))
    bad = list(csv.DictReader(io.StringIO(sf.bulk2.Account.get_failed_records(job["job_id"]))))
    expect_equal(sorted(r["Name"] for r in ok), [f"bulk {RUN} 1", f"bulk {RUN} 3"], "inserted rows")
    expect(all(r["sf__Created"] == "true" and r["sf__Id"].startswith("001") for r in ok), f"{ok}")
    expect_equal(
        bad[0]["sf__Error"],
        "INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST:bad value for restricted picklist field: "
        "Sideways:Health_Status__c --",
        "sf__Error",
    )
    expect_equal(count("Account"), accounts + 2, "accounts after the Bulk insert")

    step = "Bulk 2.0 ingest upsert with results"
    tasks = count("Task")
    rows = [
        {"Vitals_Key__c": f"ssf-{RUN}-b{n}", "Subject": f"bulk {n}", "Status": "Not Started",
         "Priority": "Normal"}
        for n in range(3)
    ]
    first = sf.bulk2.Task.upsert(records=rows, external_id_field="Vitals_Key__c", wait=POLL)
    again = sf.bulk2.Task.upsert(
        records=[{"Vitals_Key__c": f"ssf-{RUN}-b1", "Subject": "bulk one again"}],
        external_id_field="Vitals_Key__c",
        wait=POLL,
    )
    expect_equal(first[0]["numberRecordsFailed"], 0, "first upsert failures")
    updated = list(
        csv.DictReader(io.StringIO(sf.bulk2.Task.get_successful_records(again[0]["job_id"])))
    )
    expect_equal([r["sf__Created"] for r in updated], ["false"], "second upsert updates")
    expect_equal(count("Task"), tasks + 3, "tasks after the Bulk upserts")
    found = sf.query(f"SELECT Subject FROM Task WHERE Vitals_Key__c = 'ssf-{RUN}-b1'")
    expect_equal([r["Subject"] for r in found["records"]], ["bulk one again"], "upserted row")

    seconds = time.time() - started
    print(f"simple-salesforce {version('simple-salesforce')}: {checks} passed, 0 failed ({seconds:.1f} s)")


if __name__ == "__main__":
    try:
        main()
    except SystemExit:
        raise
    except Exception as error:  # noqa: BLE001 - any failure names its step
        fail(f"{type(error).__name__}: {error}")
