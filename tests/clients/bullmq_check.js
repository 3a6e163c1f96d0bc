// BullMQ (npm) against a sandstore cluster, through a follower: a queue and a
// worker complete 1,000 jobs. BullMQ's scripts (Lua, cjson, cmsgpack) also
// need streams (XADD/XTRIM for queue events, in nearly every write script)
// and blocking commands (BZPOPMIN for the worker's wake-ups). Until the tree
// has them the check runs what works, says precisely what failed and why,
// and exits 77 (CTest "skipped"); once they exist a failure is a failure.
// Usage: SS_FOLLOWER_PORT=P node bullmq_check.js (normally under cluster.py).
'use strict';
const IORedis = require('ioredis');
const { Queue, Worker } = require('bullmq');

const port = parseInt(process.env.SS_FOLLOWER_PORT, 10);
const connection = { host: '127.0.0.1', port, maxRetriesPerRequest: null };
const JOBS = 1000;
const report = [];
let failed = 0;

function note(ok, what, detail) {
  report.push(`${ok ? 'ran' : 'FAILED'}: ${what}${detail ? ` (${detail})` : ''}`);
  console.log(report[report.length - 1]);
  if (!ok) failed++;
}

async function missingCommands(r) {
  const names = ['xadd', 'xtrim', 'bzpopmin', 'blmove'];
  const info = await r.call('COMMAND', 'INFO', ...names);
  return names.filter((_, i) => info[i] === null);
}

async function main() {
  const r = new IORedis(connection);
  const missing = await missingCommands(r);
  const q = new Queue('check', { connection });
  await q.obliterate({ force: true }).then(() => note(true, 'Queue.obliterate'),
    (e) => note(false, 'Queue.obliterate', e.message));
  const counts = await q.getJobCounts().then((c) => { note(true, 'Queue.getJobCounts (read scripts)'); return c; },
    (e) => note(false, 'Queue.getJobCounts', e.message));
  let added = 0;
  try {
    for (let i = 0; i < JOBS; i += 100) {
      const batch = [];
      for (let j = i; j < i + 100; j++) batch.push({ name: 'job', data: { n: j } });
      await q.addBulk(batch);
      added += batch.length;
    }
    note(true, `Queue.addBulk of ${JOBS} jobs`);
  } catch (e) {
    note(false, `Queue.addBulk (${added} of ${JOBS} added)`, e.message);
  }
  if (added === JOBS) {
    let sum = 0, done = 0;
    const finished = new Promise((resolve) => {
      const worker = new Worker('check', async (job) => { sum += job.data.n; return job.data.n * 2; },
        { connection, concurrency: 8 });
      worker.on('completed', () => { if (++done === JOBS) resolve(worker); });
      worker.on('error', (e) => { note(false, 'Worker', e.message); resolve(worker); });
      setTimeout(() => resolve(worker), 120000);
    });
    const worker = await finished;
    await worker.close();
    note(done === JOBS && sum === (JOBS * (JOBS - 1)) / 2, `Worker completed ${done} of ${JOBS} jobs`);
    const c = await q.getJobCounts();
    note(c.completed === JOBS && c.waiting === 0 && c.active === 0, 'job counts after the run', JSON.stringify(c));
  }
  await q.close();
  await r.quit();
  console.log(`bullmq_check: ${report.length - failed} steps ran, ${failed} failed` +
    (counts ? '' : '') + (missing.length ? `; commands missing from this build: ${missing.join(' ')}` : ''));
  if (failed && missing.length) {
    console.log('bullmq_check: skipped (BullMQ needs the missing commands above)');
    return 77;
  }
  return failed ? 1 : 0;
}

main().then((code) => process.exit(code), (e) => { console.error(e); process.exit(1); });
