// SPDX-License-Identifier: GPL-3.0-or-later
// A qsoketi node joins a soketi 1.6.1 node on one Redis (the migration path of spec §8): pusher-js
// clients on either node see the same presence members, the HTTP API of either node lists and counts
// both nodes' users, broadcasts cross both ways, and qsoketi answers without waiting for the requests
// timeout (soketi does not answer qsoketi's own request types; qsoketi asks it in soketi's).
// Run through run-in-netns.sh only (loopback-only network namespace; REFERENCE_SOKETI_DIR = the soketi install).
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import path from 'node:path';
import { redisBroker } from '../lib/brokers.mjs';
import { closeAllClients, connectPusher, eventually, freePort, rest, startServer, subscribe, trigger } from '../lib/harness.mjs';

const REQUESTS_TIMEOUT_MS = 3000;
const PREFIX = 'mixed';
const CHANNEL = 'presence-x';

let redis;
let soketi;
let qsoketi;

// PUBSUB NUMSUB of the request channel: how many nodes listen (soketi, and each qsoketi event loop).
function numsub(port) {
    return new Promise((resolve) => {
        const s = net.connect(port, '127.0.0.1', () =>
            s.write(`PUBSUB NUMSUB ${PREFIX}#redis-adapter#comms#req\r\n`),
        );
        let buf = '';
        s.on('data', (d) => {
            buf += d;
            const m = buf.match(/:(\d+)\r\n/);
            if (m) {
                s.destroy();
                resolve(Number(m[1]));
            }
        });
        s.on('error', () => resolve(0));
    });
}

function memberIds(channel) {
    const ids = [];
    channel.members.each((m) => ids.push(String(m.id)));
    return ids.sort();
}

async function timed(fn) {
    const t0 = performance.now();
    const result = await fn();
    return { ms: performance.now() - t0, result };
}

function median(values) {
    const sorted = [...values].sort((a, b) => a - b);
    return sorted[Math.floor(sorted.length / 2)];
}

before(async () => {
    assert.ok(process.env.REFERENCE_SOKETI_DIR, 'REFERENCE_SOKETI_DIR is not set: run this file through run-in-netns.sh');
    redis = await redisBroker.start();
    const env = redisBroker.env(redis, PREFIX, { SOKETI_ADAPTER_REDIS_REQUESTS_TIMEOUT: String(REQUESTS_TIMEOUT_MS) });
    soketi = await startServer({
        command: {
            file: process.execPath,
            args: [path.join(process.env.REFERENCE_SOKETI_DIR, 'node_modules/@soketi/soketi/bin/server.js'), 'start'],
        },
        cwd: process.env.REFERENCE_SOKETI_DIR,
        startTimeoutMs: 30000,
        env: { ...env, SOKETI_CLUSTER_UNICAST_ADDRESSES: '127.0.0.1', SOKETI_CLUSTER_PORT: String(await freePort()) },
    });
    // Two event loops: each is a node of its own on Redis, so qsoketi peers and a soketi node mix.
    qsoketi = await startServer({ env: { ...env, SOKETI_WORKERS: '2' } });
    let nodes = 0;
    try {
        await eventually(async () => (nodes = await numsub(redis.port)) === 3, 10000, 'both nodes subscribed on Redis');
    } catch (err) {
        throw new Error(`${err.message}: ${nodes} subscribed\nsoketi:\n${soketi.log()}\nqsoketi:\n${qsoketi.log()}`);
    }
});

after(async () => {
    await closeAllClients();
    await qsoketi?.stop();
    await soketi?.stop();
    await redis?.stop();
});

test('presence members, counts and broadcasts are the same on the soketi and the qsoketi node', async () => {
    const alice = await connectPusher(soketi, { presence: () => ({ user_id: 'alice', user_info: { name: 'Alice' } }) });
    const onSoketi = await subscribe(alice, CHANNEL);
    const bob = await connectPusher(qsoketi, { presence: () => ({ user_id: 'bob', user_info: { name: 'Bob' } }) });
    const { ms: subscribeMs, result: onQsoketi } = await timed(() => subscribe(bob, CHANNEL));

    // Bob's subscription on qsoketi was answered with soketi's Alice, without waiting for the timeout.
    assert.deepEqual(memberIds(onQsoketi), ['alice', 'bob']);
    assert.equal(onQsoketi.members.get('alice')?.info?.name, 'Alice');
    assert.ok(subscribeMs < REQUESTS_TIMEOUT_MS / 2, `presence subscription on qsoketi took ${subscribeMs} ms`);
    // Alice on soketi hears Bob join (member_added crosses Redis).
    await eventually(() => memberIds(onSoketi).join() === 'alice,bob', 5000, 'alice sees bob');

    // A later subscriber on soketi gets both from soketi's own question, which qsoketi answers.
    const carol = await connectPusher(soketi, { presence: () => ({ user_id: 'carol', user_info: {} }) });
    const late = await subscribe(carol, CHANNEL);
    assert.deepEqual(memberIds(late), ['alice', 'bob', 'carol']);
    carol.disconnect();
    await eventually(() => memberIds(onQsoketi).join() === 'alice,bob', 5000, 'carol left on qsoketi too');

    // The HTTP API of either node lists and counts both users.
    const durations = [];
    for (const server of [soketi, qsoketi]) {
        const users = await timed(() => rest(server, { path: `/apps/app-id/channels/${CHANNEL}/users` }));
        assert.equal(users.result.status, 200);
        assert.deepEqual(users.result.json.users.map((u) => String(u.id)).sort(), ['alice', 'bob']);
        const info = await rest(server, {
            path: `/apps/app-id/channels/${CHANNEL}`,
            params: { info: 'user_count,subscription_count' },
        });
        assert.equal(info.json.user_count, 2, `user_count on ${server === soketi ? 'soketi' : 'qsoketi'}`);
        assert.equal(info.json.subscription_count, 2);
        if (server === qsoketi) durations.push(users.ms);
    }
    const list = await rest(qsoketi, { path: '/apps/app-id/channels', params: { filter_by_prefix: 'presence-', info: 'user_count' } });
    assert.deepEqual(list.json.channels[CHANNEL], { subscription_count: 2, occupied: true, user_count: 2 });

    // qsoketi's answers in the mixed cluster: one round trip to each node, never the requests timeout.
    for (let i = 0; i < 19; i++) {
        const { ms, result } = await timed(() => rest(qsoketi, { path: `/apps/app-id/channels/${CHANNEL}/users` }));
        assert.equal(result.json.users.length, 2);
        durations.push(ms);
    }
    const slowest = Math.max(...durations);
    assert.ok(slowest < REQUESTS_TIMEOUT_MS / 2, `GET users on qsoketi took up to ${slowest} ms`);
    console.log(`qsoketi GET /channels/${CHANNEL}/users in the mixed cluster: median ${median(durations).toFixed(1)} ms, max ${slowest.toFixed(1)} ms (${durations.length} calls)`);

    // A broadcast through either node's HTTP API reaches the clients of both.
    for (const [from, name] of [
        [soketi, 'soketi'],
        [qsoketi, 'qsoketi'],
    ]) {
        const got = { alice: [], bob: [] };
        onSoketi.bind('hello', (d) => got.alice.push(d));
        onQsoketi.bind('hello', (d) => got.bob.push(d));
        const sent = performance.now();
        const arrived = {};
        onSoketi.bind('hello', () => (arrived.alice ??= performance.now() - sent));
        onQsoketi.bind('hello', () => (arrived.bob ??= performance.now() - sent));
        await trigger(from, CHANNEL, 'hello', { from: name });
        await eventually(() => got.alice.length === 1 && got.bob.length === 1, 5000, `broadcast via ${name} on both nodes`);
        assert.deepEqual(got.alice[0], { from: name });
        assert.deepEqual(got.bob[0], { from: name });
        console.log(`broadcast via ${name}: to alice (soketi) ${arrived.alice.toFixed(1)} ms, to bob (qsoketi) ${arrived.bob.toFixed(1)} ms`);
        onSoketi.unbind('hello');
        onQsoketi.unbind('hello');
    }
});
