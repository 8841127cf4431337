// Checks the Vitals Salesforce emulator with jsforce, a real third-party client.
//
// Usage: EMULATOR_URL=http://127.0.0.1:PORT node check.mjs
// (the emulator must serve a generated org: `vitals emulator --accounts 50`).
//
// Each step uses jsforce's public API the way an integration would and compares what comes
// back with what Salesforce documents. Any mismatch exits non-zero with a message naming
// the step. The script talks to loopback only and never sleeps beyond jsforce's own
// polling interval (set to 50 ms below).

import jsforce from 'jsforce';

const base = process.env.EMULATOR_URL;
const clientId = process.env.EMULATOR_CLIENT_ID ?? 'vitals-emulator-client';
const clientSecret = process.env.EMULATOR_CLIENT_SECRET ?? 'vitals-emulator-secret';
const version = '66.0';

let step = 'setup';
// Keys unique to this run, so the check can run twice against one emulator.
const run_id = Date.now().toString(36);
let checks = 0;

function fail(message) {
  console.error(`jsforce check FAILED in "${step}": ${message}`);
  process.exit(1);
}

function expect(condition, message) {
  checks += 1;
  if (!condition) fail(message);
}

function expectEqual(actual, expected, what) {
  const a = JSON.stringify(actual);
  const e = JSON.stringify(expected);
  expect(a === e, `${what}: expected ${e}, got ${a}`);
}

async function admin(path) {
  const response = await fetch(`${base}/_emulator${path}`);
  if (!response.ok) fail(`admin ${path} answered ${response.status}`);
  return response.json();
}

async function run() {
  if (!base) fail('set EMULATOR_URL to the emulator base URL');
  const started = Date.now();

  step = 'login (OAuth 2.0 client credentials)';
  const conn = new jsforce.Connection({
    oauth2: { clientId, clientSecret, loginUrl: base },
    version,
  });
  const user = await conn.authorize({ grant_type: 'client_credentials' });
  expect(conn.accessToken, 'no access token after authorize');
  expectEqual(conn.instanceUrl, base, 'instance_url');
  expect(typeof user.id === 'string' && user.id.startsWith('005'), `user id ${user.id}`);

  step = 'REST query paging (autoFetch, batchSize=200)';
  await fetch(`${base}/_emulator/requests`, { method: 'DELETE' });
  const soql = 'SELECT Id, Subject, Account.Name FROM Task';
  const result = await conn.query(soql, {
    autoFetch: true,
    maxFetch: 100000,
    headers: { 'Sforce-Query-Options': 'batchSize=200' },
  });
  expect(result.totalSize > 400, `want several pages of tasks, totalSize=${result.totalSize}`);
  expectEqual(result.records.length, result.totalSize, 'records fetched across pages');
  expect(result.done, 'query not done after autoFetch');
  const ids = new Set(result.records.map((r) => r.Id));
  expectEqual(ids.size, result.totalSize, 'distinct Ids across pages');
  expect(
    result.records.every((r) => r.attributes && r.attributes.type === 'Task'),
    'every record has attributes.type Task',
  );
  const log = await admin('/requests');
  const pages = log.log.filter((e) => e.method === 'GET' && e.path.includes('/query')).length;
  expectEqual(pages, Math.ceil(result.totalSize / 200), 'query pages requested');

  step = 'sObject Collections create';
  const created = await conn.sobject('Account').create(
    [
      { Name: 'jsforce A', Health_Status__c: 'Healthy' },
      { Name: 'jsforce B', Health_Status__c: 'Bogus' },
      { Name: 'jsforce C' },
    ],
    { allOrNone: false },
  );
  expectEqual(created.length, 3, 'one result per record');
  expect(created[0].success && created[0].id.startsWith('001'), `row 1: ${JSON.stringify(created[0])}`);
  expect(!created[1].success, 'row 2 (restricted picklist) must fail');
  expectEqual(
    created[1].errors[0].statusCode,
    'INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST',
    'row 2 statusCode',
  );
  expect(created[2].success, `row 3: ${JSON.stringify(created[2])}`);

  step = 'sObject Collections update';
  const updated = await conn.sobject('Account').update(
    [
      { Id: created[0].id, Name: 'jsforce A2' },
      { Id: created[2].id, Health_Status__c: 'Nope' },
    ],
    { allOrNone: false },
  );
  expect(updated[0].success, `update row 1: ${JSON.stringify(updated[0])}`);
  expect(!updated[1].success, 'update row 2 must fail');
  const reread = await conn.sobject('Account').retrieve(created[0].id);
  expectEqual(reread.Name, 'jsforce A2', 'name after update');

  step = 'sObject Collections upsert';
  const first = await conn.sobject('Task').upsert(
    [
      { Vitals_Key__c: `jsforce-${run_id}-1`, Subject: 'first', Status: 'Not Started', Priority: 'Normal' },
      { Vitals_Key__c: `jsforce-${run_id}-2`, Subject: 'second', Status: 'Not Started', Priority: 'Normal' },
    ],
    'Vitals_Key__c',
    { allOrNone: false },
  );
  expectEqual(first.map((r) => [r.success, r.created]), [[true, true], [true, true]], 'upsert inserts');
  const second = await conn.sobject('Task').upsert(
    [
      { Vitals_Key__c: `jsforce-${run_id}-1`, Subject: 'first again' },
      { Vitals_Key__c: `jsforce-${run_id}-3`, Subject: 'third', Status: 'Bogus' },
    ],
    'Vitals_Key__c',
    { allOrNone: false },
  );
  expectEqual([second[0].success, second[0].created], [true, false], 'upsert updates');
  expectEqual(second[0].id, first[0].id, 'upsert updated the same record');
  expect(!second[1].success, 'upsert with a bad Status must fail');

  conn.bulk2.pollInterval = 50;
  conn.bulk2.pollTimeout = 60000;

  step = 'Bulk 2.0 query';
  const accountCount = (await conn.query('SELECT COUNT() FROM Account')).totalSize;
  const stream = await conn.bulk2.query('SELECT Id, Name, Owner.Name FROM Account ORDER BY Name');
  const rows = await stream.toArray();
  expectEqual(rows.length, accountCount, 'bulk query rows');
  expect(rows.every((r) => r.Id.startsWith('001')), 'every row has an Account Id');
  expect(rows.some((r) => r['Owner.Name']), 'parent columns are dotted (Owner.Name)');
  const names = rows.map((r) => r.Name);
  // SOQL sorts text case-insensitively.
  const folded = names.map((n) => n.toLowerCase());
  expectEqual(folded, [...folded].sort(), 'ORDER BY Name kept');

  step = 'Bulk 2.0 ingest (loadAndWaitForResults)';
  const input = [
    { Name: 'bulk ok 1', Health_Status__c: 'Monitor' },
    { Name: 'bulk bad picklist', Health_Status__c: 'Sideways' },
    { Name: 'bulk ok 2', Health_Status__c: 'At Risk' },
    { Name: '', Health_Status__c: 'Healthy' },
  ];
  const loaded = await conn.bulk2.loadAndWaitForResults({
    object: 'Account',
    operation: 'insert',
    input,
    pollInterval: 50,
    pollTimeout: 60000,
  });
  const ok = loaded.successfulResults;
  const bad = loaded.failedResults;
  expectEqual(ok.length, 2, 'successful rows');
  expectEqual(bad.length, 2, 'failed rows');
  expectEqual(loaded.unprocessedRecords.length, 0, 'unprocessed rows');
  expectEqual(ok.map((r) => r.Name).sort(), ['bulk ok 1', 'bulk ok 2'], 'successful names');
  expect(ok.every((r) => r.sf__Id.startsWith('001') && r.sf__Created === 'true'), 'sf__Id/sf__Created');
  const byName = Object.fromEntries(bad.map((r) => [r.Name, r.sf__Error]));
  expectEqual(
    byName['bulk bad picklist'],
    'INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST:bad value for restricted picklist field: Sideways:Health_Status__c --',
    'sf__Error of the bad picklist row',
  );
  expect(
    (byName[''] ?? '').startsWith('REQUIRED_FIELD_MISSING:'),
    `sf__Error of the row without a Name: ${byName['']}`,
  );
  const check = await conn.query(`SELECT Id, Health_Status__c FROM Account WHERE Id = '${ok[0].sf__Id}'`);
  expectEqual(check.totalSize, 1, 'bulk-inserted account is queryable');

  step = 'Bulk 2.0 query of more rows than the old 50,000-row page';
  // An org lists "as many rows as can be listed" in a page, bounded by size, so 50,001 short
  // rows come back in one page. jsforce's bulk2.query pipes every page into one CSV parser
  // and fails on any multi-page result (jsforce issues 1546 and 1693, against orgs too);
  // the emulator once cut pages at 50,000 rows and broke it here.
  const many = Array.from({ length: 50001 }, (_, n) => ({
    Subject: `many ${run_id} ${n}`,
    Status: 'Not Started',
    Priority: 'Normal',
  }));
  const manyLoaded = await conn.bulk2.loadAndWaitForResults({
    object: 'Task',
    operation: 'insert',
    input: many,
    pollInterval: 50,
    pollTimeout: 120000,
  });
  expectEqual(manyLoaded.failedResults.length, 0, 'failed rows of the 50,001-row load');
  await fetch(`${base}/_emulator/requests`, { method: 'DELETE' });
  const manyRows = await (
    await conn.bulk2.query(`SELECT Id, Subject FROM Task WHERE Subject LIKE 'many ${run_id} %'`)
  ).toArray();
  expectEqual(manyRows.length, 50001, 'rows of the 50,001-row query');
  expectEqual(new Set(manyRows.map((r) => r.Id)).size, 50001, 'distinct Ids');
  const resultCalls = (await admin('/requests')).log.filter((e) => e.path.endsWith('/results'));
  expectEqual(resultCalls.length, 1, 'results pages requested');

  step = 'usage header and limits';
  const limits = await conn.limits();
  expect(limits.DailyBulkApiBatches.Remaining < limits.DailyBulkApiBatches.Max, 'DailyBulkApiBatches counted');
  expect(limits.DailyBulkV2QueryJobs.Remaining < limits.DailyBulkV2QueryJobs.Max, 'DailyBulkV2QueryJobs counted');

  const seconds = ((Date.now() - started) / 1000).toFixed(1);
  console.log(`jsforce ${jsforce.VERSION}: ${checks} passed, 0 failed (${seconds} s)`);
}

run().catch((error) => fail(error && error.stack ? error.stack : String(error)));
