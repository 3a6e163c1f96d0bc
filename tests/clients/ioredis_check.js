#!/usr/bin/env node
// ioredis (from npm, see package.json) against a running sandstore cluster.
//
// Usage: SS_LEADER_PORT=P SS_FOLLOWER_PORT=Q node ioredis_check.js
// (normally run by run_node.sh under cluster.py, which sets both). Runs the
// same script of mixed commands through the leader and through a follower,
// checking every reply against Redis semantics. Every failed check is printed
// with its section and target and the run goes on to the next section; exit
// status 1 if any check failed.
'use strict';

const assert = require('node:assert');
const crypto = require('node:crypto');
const Redis = require('ioredis');

const failures = [];

class Checker {
  constructor(target) { this.target = target; this.section = ''; }
  fail(msg) { failures.push(`[${this.target}] ${this.section}: ${msg}`); }
  eq(what, got, want) {
    try {
      assert.deepStrictEqual(got, want);
    } catch {
      this.fail(`${what}: got ${show(got)}, want ${show(want)}`);
    }
  }
  ok(what, cond, detail = '') { if (!cond) this.fail(`${what} ${detail}`.trim()); }
  async rejects(what, promise, text) {
    try {
      const got = await promise;
      this.fail(`${what}: replied ${show(got)}, want an error${text ? ` mentioning ${text}` : ''}`);
    } catch (e) {
      if (text && !String(e.message).includes(text))
        this.fail(`${what}: error ${String(e.message).slice(0, 200)} does not mention ${text}`);
    }
  }
}

function show(v) {
  const s = JSON.stringify(v, (k, x) =>
    (x && x.type === 'Buffer' && Array.isArray(x.data)) ? `<Buffer ${Buffer.from(x.data).toString('hex').slice(0, 80)}>` : x);
  return s === undefined ? String(v) : s.slice(0, 300);
}

const sortBufs = (a) => a.map((b) => Buffer.from(b)).sort(Buffer.compare);

async function strings(r, c, k) {
  c.eq('SET', await r.set(k('s'), 'v1'), 'OK');
  c.eq('GET', await r.get(k('s')), 'v1');
  c.eq('SET NX on existing', await r.set(k('s'), 'v2', 'NX'), null);
  c.eq('SET XX on missing', await r.set(k('missing'), 'v', 'XX'), null);
  c.eq('SET XX on existing', await r.set(k('s'), 'v2', 'XX'), 'OK');
  c.eq('SET GET returns old', await r.set(k('s'), 'v3', 'GET'), 'v2');
  c.eq('SET EX', await r.set(k('ex'), 'x', 'EX', 100), 'OK');
  const ttl = await r.ttl(k('ex'));
  c.ok('TTL after SET EX 100 in (0,100]', ttl > 0 && ttl <= 100, `(got ${ttl})`);
  c.eq('SET PX NX', await r.set(k('px'), 'x', 'PX', 50000, 'NX'), 'OK');
  const pttl = await r.pttl(k('px'));
  c.ok('PTTL after SET PX 50000 in (0,50000]', pttl > 0 && pttl <= 50000, `(got ${pttl})`);
  c.eq('SET KEEPTTL', await r.set(k('ex'), 'y', 'KEEPTTL'), 'OK');
  const kept = await r.ttl(k('ex'));
  c.ok('TTL kept by SET KEEPTTL', kept > 0 && kept <= 100, `(got ${kept})`);
  c.eq('SETEX', await r.setex(k('sx'), 30, 'v'), 'OK');
  c.eq('GETEX PERSIST', [await r.getex(k('sx'), 'PERSIST'), await r.ttl(k('sx'))], ['v', -1]);
  c.eq('APPEND', [await r.append(k('ap'), 'ab'), await r.append(k('ap'), 'cd')], [2, 4]);
  c.eq('GETRANGE', await r.getrange(k('ap'), 1, -2), 'bc');
  c.eq('STRLEN', await r.strlen(k('ap')), 4);
  c.eq('GET missing', await r.get(k('missing')), null);
}

async function counters(r, c, k) {
  c.eq('INCR new', await r.incr(k('n')), 1);
  c.eq('INCRBY', await r.incrby(k('n'), 41), 42);
  c.eq('DECRBY', await r.decrby(k('n'), 50), -8);
  c.eq('GET counter', await r.get(k('n')), '-8');
  c.eq('INCRBYFLOAT', await r.incrbyfloat(k('f'), '3.0e3'), '3000');
  c.eq('setup SET', await r.set(k('notnum'), 'abc'), 'OK');
  await c.rejects('INCR on non-integer', r.incr(k('notnum')), 'not an integer');
}

async function multiKeys(r, c, k) {
  c.eq('MSET', await r.mset(k('m1'), 'a', k('m2'), 'b'), 'OK');
  c.eq('MGET', await r.mget(k('m1'), k('missing'), k('m2')), ['a', null, 'b']);
  c.eq('MSETNX refused', await r.msetnx(k('m1'), 'x', k('m3'), 'y'), 0);
  c.eq('EXISTS', await r.exists(k('m1'), k('m2'), k('m3')), 2);
  c.eq('DEL', await r.del(k('m1'), k('missing')), 1);
  c.eq('TYPE', [await r.type(k('m2')), await r.type(k('m1'))], ['string', 'none']);
}

async function expiry(r, c, k) {
  c.eq('setup SET', await r.set(k('e'), 'v'), 'OK');
  c.eq('TTL without expiry', await r.ttl(k('e')), -1);
  c.eq('TTL missing', await r.ttl(k('missing')), -2);
  c.eq('EXPIRE', await r.expire(k('e'), 1000), 1);
  const ttl = await r.ttl(k('e'));
  c.ok('TTL after EXPIRE 1000 in (990,1000]', ttl > 990 && ttl <= 1000, `(got ${ttl})`);
  c.eq('EXPIRE NX on a key with a TTL', await r.expire(k('e'), 5, 'NX'), 0);
  c.eq('PERSIST', [await r.persist(k('e')), await r.ttl(k('e'))], [1, -1]);
  c.eq('PEXPIREAT in the past deletes', await r.pexpireat(k('e'), 1), 1);
  c.eq('expired key is gone', [await r.get(k('e')), await r.exists(k('e'))], [null, 0]);
}

async function hashes(r, c, k) {
  c.eq('HSET', await r.hset(k('h'), 'f1', 'v1', 'f2', 'v2'), 2);
  c.eq('HSET object', await r.hset(k('h'), { f1: 'v1b', f3: 'v3' }), 1);
  c.eq('HGET', await r.hget(k('h'), 'f1'), 'v1b');
  c.eq('HMGET', await r.hmget(k('h'), 'f1', 'nope', 'f3'), ['v1b', null, 'v3']);
  c.eq('HGETALL', await r.hgetall(k('h')), { f1: 'v1b', f2: 'v2', f3: 'v3' });
  c.eq('HLEN', await r.hlen(k('h')), 3);
  c.eq('HINCRBY', await r.hincrby(k('h'), 'n', 7), 7);
  c.eq('HDEL', await r.hdel(k('h'), 'f1', 'nope'), 1);
  c.eq('HEXISTS', await r.hexists(k('h'), 'f1'), 0);
  const bin = Buffer.from([0, 13, 10, 255]);
  c.eq('HSET binary', await r.hset(k('hb'), bin, bin), 1);
  c.eq('HGET binary', await r.hgetBuffer(k('hb'), bin), bin);
}

async function lists(r, c, k) {
  c.eq('RPUSH', await r.rpush(k('l'), 'a', 'b', 'c'), 3);
  c.eq('LPUSH', await r.lpush(k('l'), 'z'), 4);
  c.eq('LRANGE', await r.lrange(k('l'), 0, -1), ['z', 'a', 'b', 'c']);
  c.eq('LLEN', await r.llen(k('l')), 4);
  c.eq('LINDEX', await r.lindex(k('l'), -1), 'c');
  c.eq('LPOP', await r.lpop(k('l')), 'z');
  c.eq('RPOP count', await r.rpop(k('l'), 2), ['c', 'b']);
  c.eq('LMOVE', await r.lmove(k('l'), k('l2'), 'LEFT', 'RIGHT'), 'a');
  c.eq('source emptied', await r.exists(k('l')), 0);
  c.eq('LRANGE destination', await r.lrange(k('l2'), 0, -1), ['a']);
}

async function sets(r, c, k) {
  c.eq('SADD', await r.sadd(k('s1'), 'a', 'b', 'c', 'a'), 3);
  c.eq('SMEMBERS', (await r.smembers(k('s1'))).sort(), ['a', 'b', 'c']);
  c.eq('SISMEMBER', [await r.sismember(k('s1'), 'a'), await r.sismember(k('s1'), 'x')], [1, 0]);
  c.eq('SREM', await r.srem(k('s1'), 'a', 'x'), 1);
  c.eq('SCARD', await r.scard(k('s1')), 2);
  c.eq('setup SADD', await r.sadd(k('s2'), 'c', 'd'), 2);
  c.eq('SUNION', (await r.sunion(k('s1'), k('s2'))).sort(), ['b', 'c', 'd']);
  c.eq('SINTER', await r.sinter(k('s1'), k('s2')), ['c']);
  const bins = [Buffer.from([0]), Buffer.from([0, 1]), Buffer.from('\r\n')];
  c.eq('SADD binary', await r.sadd(k('sb'), ...bins), 3);
  c.eq('SMEMBERS binary', sortBufs(await r.smembersBuffer(k('sb'))), sortBufs(bins));
}

async function zsets(r, c, k) {
  c.eq('ZADD', await r.zadd(k('z'), 1, 'a', 2, 'b', 3, 'c'), 3);
  c.eq('ZADD GT', await r.zadd(k('z'), 'GT', 'CH', 0, 'a', 10, 'b'), 1);
  c.eq('ZRANGE WITHSCORES', await r.zrange(k('z'), 0, -1, 'WITHSCORES'),
    ['a', '1', 'c', '3', 'b', '10']);
  c.eq('ZRANGE BYSCORE REV LIMIT', await r.zrange(k('z'), '+inf', '(1', 'BYSCORE', 'REV', 'LIMIT', 0, 1), ['b']);
  c.eq('ZSCORE', await r.zscore(k('z'), 'c'), '3');
  c.eq('ZINCRBY', await r.zincrby(k('z'), '-0.5', 'c'), '2.5');
  c.eq('ZRANK', await r.zrank(k('z'), 'b'), 2);
  c.eq('ZCARD', await r.zcard(k('z')), 3);
  c.eq('ZPOPMIN', await r.zpopmin(k('z')), ['a', '1']);
  c.eq('ZREM', await r.zrem(k('z'), 'b', 'nope'), 1);
  c.eq('ZRANGE after', await r.zrange(k('z'), 0, -1), ['c']);
}

async function pipelines(r, c, k) {
  const p = r.pipeline();
  for (let i = 0; i < 100; i++) p.set(k(`p${i}`), `v${i}`);
  for (let i = 0; i < 100; i++) p.get(k(`p${i}`));
  p.incr(k('pc')).incr(k('pc')).get(k('pc'));
  p.set(k('pstr'), 'x').lpush(k('pstr'), 'y').get(k('pstr'));
  const out = await p.exec();
  c.eq('no errors before the WRONGTYPE', out.slice(0, 203).filter(([e]) => e).length, 0);
  c.eq('pipelined SETs', out.slice(0, 100).map(([, v]) => v), Array(100).fill('OK'));
  c.eq('pipelined GETs see the SETs before them', out.slice(100, 200).map(([, v]) => v),
    Array.from({ length: 100 }, (_, i) => `v${i}`));
  c.eq('pipelined INCR/INCR/GET', out.slice(200, 203).map(([, v]) => v), [1, 2, '2']);
  c.ok('pipelined WRONGTYPE answers that command only',
    out[204][0] && String(out[204][0].message).startsWith('WRONGTYPE') && out[205][1] === 'x',
    `(got ${show(out.slice(203))})`);
}

async function transactions(r, c, k) {
  const out = await r.multi().set(k('t'), '1').incr(k('t')).rpush(k('tl'), 'a', 'b').lrange(k('tl'), 0, -1).exec();
  c.eq('MULTI/EXEC', out, [[null, 'OK'], [null, 2], [null, 2], [null, ['a', 'b']]]);
  // A runtime error fails that command only; the rest apply.
  c.eq('setup SET', await r.set(k('tstr'), 'x'), 'OK');
  const mixed = await r.multi().set(k('t2'), 'a').lpush(k('tstr'), 'x').set(k('t3'), 'b').exec();
  c.eq('EXEC with runtime error: others OK', [mixed[0], mixed[2]], [[null, 'OK'], [null, 'OK']]);
  c.ok('EXEC with runtime error: WRONGTYPE', mixed[1][0] && String(mixed[1][0].message).startsWith('WRONGTYPE'),
    `(got ${show(mixed[1])})`);
  c.eq('writes applied', await r.mget(k('t2'), k('t3')), ['a', 'b']);
  // A queueing error (wrong arity) aborts the whole transaction.
  await c.rejects('EXEC after a queueing error',
    r.multi().set(k('t4'), 'v').call('GET').exec(), 'EXECABORT');
  c.eq('aborted transaction wrote nothing', await r.exists(k('t4')), 0);
  // MULTI on a pipeline over a follower keeps reply order.
  const many = r.multi();
  for (let i = 0; i < 50; i++) many.incr(k('tc'));
  const res = await many.exec();
  c.eq('50 INCRs in one EXEC', res.map(([, v]) => v), Array.from({ length: 50 }, (_, i) => i + 1));
}

async function binary(r, c, k) {
  const every = Buffer.from(Array.from({ length: 256 }, (_, i) => i));
  c.eq('SET every byte value', await r.set(k('bin'), every), 'OK');
  c.eq('GET every byte value', await r.getBuffer(k('bin')), every);
  const key = Buffer.concat([Buffer.from(k('')), Buffer.from([0, 13, 10, 255])]);
  const val = Buffer.from('a\r\nb\0c\r\n$3\r\n*1\r\n');
  c.eq('SET binary key', await r.set(key, val), 'OK');
  c.eq('binary key and value', await r.getBuffer(key), val);
  c.eq('RPUSH binary', await r.rpush(k('bl'), Buffer.from([0]), Buffer.alloc(0)), 2);
  c.eq('LRANGE binary', await r.lrangeBuffer(k('bl'), 0, -1), [Buffer.from([0]), Buffer.alloc(0)]);
  c.eq('ZADD binary member', await r.zadd(k('bz'), 2, Buffer.from([255, 0])), 1);
  c.eq('ZSCORE binary member', await r.zscore(k('bz'), Buffer.from([255, 0])), '2');
  c.eq('empty value', [await r.set(k('empty'), ''), await r.get(k('empty'))], ['OK', '']);
  for (const size of [100 << 10, 1 << 20]) { // Redis takes values up to 512 MB
    const big = crypto.randomBytes(size);
    c.eq(`SET ${size} random bytes`, await r.set(k('big'), big), 'OK');
    c.ok(`GET ${size} random bytes back`, big.equals(await r.getBuffer(k('big'))));
  }
}

const SECTIONS = [strings, counters, multiKeys, expiry, hashes, lists, sets, zsets, pipelines,
  transactions, binary];

function client(port) {
  return new Redis({
    host: '127.0.0.1', port, lazyConnect: true, maxRetriesPerRequest: 0,
    retryStrategy: () => null, connectTimeout: 5000, commandTimeout: 20000,
  });
}

async function run(target, port) {
  const r = client(port);
  await r.connect();
  const c = new Checker(target);
  const k = (name) => `js:${target}:${name}`;
  c.section = 'PING';
  c.eq('PING', await r.ping(), 'PONG');
  for (const section of SECTIONS) {
    c.section = section.name;
    const before = failures.length;
    try {
      await section(r, c, k);
    } catch (e) {
      const at = (String(e.stack).match(/ioredis_check\.js:(\d+)/) || [])[1];
      c.fail(`stopped by ${e.name}: ${String(e.message).slice(0, 300)}${at ? ` (at line ${at})` : ''}`);
    }
    console.log(`ioredis ${target.padEnd(8)} ${section.name.padEnd(12)} ${failures.length === before ? 'ok' : 'FAILED'}`);
  }
  r.disconnect();
}

async function main() {
  const leader = Number(process.env.SS_LEADER_PORT);
  const follower = Number(process.env.SS_FOLLOWER_PORT);
  if (!leader || !follower) {
    console.log('ioredis_check: set SS_LEADER_PORT and SS_FOLLOWER_PORT (see cluster.py)');
    return 2;
  }
  console.log(`ioredis ${require('ioredis/package.json').version}: leader port ${leader}, follower port ${follower}`);
  await run('leader', leader);
  await run('follower', follower);
  const a = client(leader), b = client(follower);
  const c = new Checker('cross');
  c.section = 'leader<->follower';
  try {
    await a.connect(); await b.connect();
    c.eq('SET via leader', await a.set('js:cross', 'from-leader'), 'OK');
    c.eq('follower reads the leader\'s write', await b.get('js:cross'), 'from-leader');
    c.eq('SET via follower', await b.set('js:cross', 'from-follower'), 'OK');
    c.eq('leader reads the follower\'s write', await a.get('js:cross'), 'from-follower');
  } catch (e) {
    c.fail(`stopped by ${e.name}: ${e.message}`);
  }
  a.disconnect(); b.disconnect();
  if (failures.length) {
    console.log(`\n${failures.length} failed check(s):`);
    for (const f of failures) console.log('  ' + f);
    return 1;
  }
  console.log('ioredis: all checks passed');
  return 0;
}

main().then((code) => process.exit(code), (e) => { console.error(e); process.exit(1); });
