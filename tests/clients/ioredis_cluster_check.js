#!/usr/bin/env node
// ioredis's Cluster client and redis-cli -c against a 3-node sandstore group,
// which presents itself as a Redis Cluster of one shard (CLUSTER SLOTS): the
// leader its master, the followers its replicas.
//
// Usage (under cluster.py --allow-kill, which sets SS_LEADER_PORT,
// SS_FOLLOWER_PORT, SS_PORTS and SS_PIDS; normally through run_node.sh):
//   node ioredis_cluster_check.js
// 1. A Cluster client seeded with one follower only finds the shard, writes
//    and reads keys of many slots (hash tags, pipelines, MGET in one slot).
// 2. A second client with scaleReads 'slave' reads them from the replicas.
// 3. redis-cli -c, pointed at the follower, writes and reads.
// 4. The leader is killed with SIGKILL while the first client keeps writing:
//    every write the client saw acknowledged is read back afterwards, the
//    client's master becomes the new leader, and redis-cli -c through a
//    surviving node works again.
// Every failed check is printed; exit status 1 if any failed.
'use strict';

const assert = require('node:assert');
const { execFileSync } = require('node:child_process');
const Redis = require('ioredis');

const failures = [];
let section = '';
const fail = (msg) => failures.push(`${section}: ${msg}`);
const eq = (what, got, want) => {
  try { assert.deepStrictEqual(got, want); } catch { fail(`${what}: got ${JSON.stringify(got)}, want ${JSON.stringify(want)}`); }
};
const ok = (what, cond, detail = '') => { if (!cond) fail(`${what} ${detail}`.trim()); };
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

function cluster(port, extra = {}) {
  return new Redis.Cluster([{ host: '127.0.0.1', port }], {
    // Bounded: a client that cannot reach the shard gives up with an error.
    clusterRetryStrategy: (times) => (times > 50 ? null : 200),
    retryDelayOnClusterDown: 200,
    retryDelayOnTryAgain: 200,
    retryDelayOnFailover: 200,
    maxRedirections: 32,
    slotsRefreshTimeout: 2000,
    redisOptions: { connectTimeout: 2000, commandTimeout: 10000, maxRetriesPerRequest: 5 },
    ...extra,
  });
}

// redis-cli -c (follows MOVED); its output, or the error's.
function cli(port, ...args) {
  try {
    return execFileSync('redis-cli', ['-c', '-h', '127.0.0.1', '-p', String(port), ...args],
      { encoding: 'utf8', timeout: 10000 }).trim();
  } catch (e) {
    return `(failed) ${String(e.stderr || e.message).trim()}`;
  }
}

// Retries fn (bounded: about 30 s) until it resolves; the last error if never.
async function eventually(fn) {
  let last;
  for (let i = 0; i < 150; i++) {
    try { return await fn(); } catch (e) { last = e; }
    await sleep(200);
  }
  throw last;
}

async function slotsAndRoles(c, leaderPort, followerPorts) {
  section = 'the shard';
  await c.set('probe', '1'); // connects and loads the slot map
  const masters = c.nodes('master').map((n) => n.options.port);
  const replicas = c.nodes('slave').map((n) => n.options.port).sort();
  eq('one master, the leader', masters, [leaderPort]);
  eq('the followers are its replicas', replicas, [...followerPorts].sort());
  const slots = await c.cluster('SLOTS');
  eq('one range of every slot', [slots.length, slots[0][0], slots[0][1]], [1, 0, 16383]);
  eq('KEYSLOT', await c.cluster('KEYSLOT', '{user1000}.following'), 3443);
}

async function dataThroughTheShard(c) {
  section = 'keys of many slots';
  const keys = Array.from({ length: 200 }, (_, i) => `ck:${i}`);
  for (const k of keys) eq(`SET ${k}`, await c.set(k, `v-${k}`), 'OK');
  const got = await Promise.all(keys.map((k) => c.get(k)));
  eq('GET of 200 keys over 200 slots', got, keys.map((k) => `v-${k}`));
  section = 'hash tags and pipelines';
  eq('MSET in one slot', await c.mset('{u1}:a', '1', '{u1}:b', '2'), 'OK');
  eq('MGET in one slot', await c.mget('{u1}:a', '{u1}:b', '{u1}:none'), ['1', '2', null]);
  const res = await c.pipeline().incr('{p}:n').incr('{p}:n').hset('{p}:h', 'f', 'v').hgetall('{p}:h').exec();
  eq('a pipeline', res.map(([e, v]) => (e ? `error ${e.message}` : v)), [1, 2, 1, { f: 'v' }]);
  eq('DEL', await c.del('{u1}:a', '{u1}:b'), 2);
}

async function readsFromReplicas(port, leaderPort) {
  section = 'scaleReads slave';
  const c = cluster(port, { scaleReads: 'slave' });
  try {
    eq('a write goes to the master', await c.set('rk', 'replica-read'), 'OK');
    eq('a read from a replica (READONLY)', await c.get('rk'), 'replica-read');
    const replicas = c.nodes('slave').map((n) => n.options.port);
    ok('the replicas are not the leader', !replicas.includes(leaderPort), JSON.stringify(replicas));
  } finally {
    c.disconnect();
  }
}

function redisCli(port, tag) {
  section = `redis-cli -c ${tag}`;
  eq('SET', cli(port, 'SET', `cli:${tag}`, 'yes'), 'OK');
  eq('GET', cli(port, 'GET', `cli:${tag}`), 'yes');
  eq('GET of a hash-tagged key', cli(port, 'GET', '{u1}:none'), '');
}

async function killTheLeader(c, pids, ports, leaderPort) {
  section = 'kill -9 of the leader';
  const acked = new Map();
  let stop = false, errors = 0, n = 0;
  const writer = (async () => {
    while (!stop && n < 100000) {
      const k = `fk:${n++}`;
      try {
        if ((await c.set(k, `v${n}`)) === 'OK') acked.set(k, `v${n}`);
      } catch {
        errors++;
        await sleep(50);
      }
    }
  })();
  await sleep(1000);
  const before = acked.size;
  process.kill(pids[ports.indexOf(leaderPort)], 'SIGKILL');
  console.log(`ioredis cluster: killed the leader (port ${leaderPort}) after ${before} acknowledged writes`);
  // Writes must resume: wait (bounded) for 200 more acknowledgements.
  for (let i = 0; i < 300 && acked.size < before + 200; i++) await sleep(100);
  stop = true;
  await writer;
  console.log(`ioredis cluster: ${acked.size} writes acknowledged, ${errors} failed while the group elected a leader`);
  ok('writes resume after the failover', acked.size >= before + 200, `(${acked.size - before} after the kill)`);
  // Every acknowledged write is there.
  let missing = 0;
  for (const [k, v] of acked) if ((await eventually(() => c.get(k))) !== v) missing++;
  eq('acknowledged writes lost', missing, 0);
  const masters = c.nodes('master').map((n) => n.options.port);
  ok('the client follows the new leader', masters.length === 1 && masters[0] !== leaderPort, JSON.stringify(masters));
  return masters[0];
}

async function main() {
  const leader = Number(process.env.SS_LEADER_PORT);
  const follower = Number(process.env.SS_FOLLOWER_PORT);
  const ports = (process.env.SS_PORTS || '').split(',').map(Number);
  const pids = (process.env.SS_PIDS || '').split(',').map(Number);
  if (!leader || !follower || ports.length !== 3 || pids.length !== 3) {
    console.log('ioredis_cluster_check: run under cluster.py --nodes 3 --allow-kill');
    return 2;
  }
  const others = ports.filter((p) => p !== leader);
  console.log(`ioredis ${require('ioredis/package.json').version} Cluster: seeded with follower port ${follower} (leader ${leader})`);
  const c = cluster(follower);
  try {
    for (const step of [
      () => slotsAndRoles(c, leader, others),
      () => dataThroughTheShard(c),
      () => readsFromReplicas(follower, leader),
      () => redisCli(follower, 'follower'),
      () => redisCli(leader, 'leader'),
    ]) {
      const before = failures.length;
      try { await step(); } catch (e) { fail(`stopped by ${e.name}: ${String(e.message).slice(0, 300)}`); }
      console.log(`ioredis cluster: ${section.padEnd(26)} ${failures.length === before ? 'ok' : 'FAILED'}`);
    }
    const before = failures.length;
    let next = null;
    try { next = await killTheLeader(c, pids, ports, leader); } catch (e) { fail(`stopped by ${e.name}: ${String(e.message).slice(0, 300)}`); }
    console.log(`ioredis cluster: ${section.padEnd(26)} ${failures.length === before ? 'ok' : 'FAILED'}`);
    // redis-cli -c through the survivor that does not lead, once a leader serves.
    section = 'redis-cli -c after the kill';
    const survivor = others.find((p) => p !== next) || others[0];
    let out = '';
    for (let i = 0; i < 150 && out !== 'OK'; i++) {
      out = cli(survivor, 'SET', 'cli:after', 'yes');
      if (out !== 'OK') await sleep(200);
    }
    eq('SET through a surviving follower', out, 'OK');
    eq('GET through it', cli(survivor, 'GET', 'cli:after'), 'yes');
    console.log(`ioredis cluster: ${section.padEnd(26)} ${out === 'OK' ? 'ok' : 'FAILED'}`);
  } finally {
    c.disconnect();
  }
  if (failures.length) {
    console.log(`\n${failures.length} failed check(s):`);
    for (const f of failures) console.log('  ' + f);
    return 1;
  }
  console.log('ioredis cluster: all checks passed');
  return 0;
}

main().then((code) => process.exit(code), (e) => { console.error(e); process.exit(1); });
