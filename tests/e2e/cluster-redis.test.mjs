// SPDX-License-Identifier: GPL-3.0-or-later
// §8 horizontal scaling with the Redis adapter: two server processes share a private redis-server
// (free loopback port, no persistence). Events, client events, presence, REST answers, terminate
// and the connection quota must behave as if there were one server; a user connected to both
// nodes counts once (qsoketi fix of soketi's per-node sum).
import { after, afterEach, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import net from 'node:net';
import {
    APP,
    canSpawn,
    closeAllClients,
    connectPusher,
    connectRaw,
    eventually,
    freePort,
    nextEvent,
    raceTimeout,
    rest,
    sdk,
    sleep,
    startServer,
    subscribe,
} from './lib/harness.mjs';

const T = { timeout: 30000 };
const REDIS = process.env.REDIS_SERVER_BINARY || 'redis-server';

function haveRedis() {
    try {
        execFileSync(REDIS, ['--version'], { stdio: 'ignore' });
        return true;
    } catch {
        return false;
    }
}

function redisPing(port) {
    return new Promise((resolve) => {
        const s = net.connect(port, '127.0.0.1', () => s.write('PING\r\n'));
        let buf = '';
        s.on('data', (d) => {
            buf += d;
            if (buf.includes('\r\n')) {
                s.destroy();
                resolve(buf.startsWith('+PONG'));
            }
        });
        s.on('error', () => resolve(false));
        setTimeout(() => {
            s.destroy();
            resolve(false);
        }, 1000).unref();
    });
}

async function startRedis() {
    const port = await freePort();
    const proc = spawn(REDIS, ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], {
        stdio: ['ignore', 'ignore', 'pipe'],
    });
    const exited = new Promise((resolve) => proc.on('exit', resolve));
    for (let i = 0; i < 100; i++) {
        if (await redisPing(port)) {
            return {
                port,
                async stop() {
                    proc.kill('SIGTERM');
                    if (!(await raceTimeout(exited.then(() => true), 5000))) proc.kill('SIGKILL');
                },
            };
        }
        await sleep(50);
    }
    proc.kill('SIGKILL');
    throw new Error('redis-server did not start');
}

function clusterEnv(redis, extra = {}) {
    return {
        SOKETI_ADAPTER_DRIVER: 'redis',
        SOKETI_DB_REDIS_HOST: '127.0.0.1',
        SOKETI_DB_REDIS_PORT: String(redis.port),
        SOKETI_ADAPTER_REDIS_PREFIX: `e2e${process.pid}`,
        SOKETI_ADAPTER_REDIS_REQUESTS_TIMEOUT: '2000',
        ...extra,
    };
}

const skip = (!canSpawn() && 'needs spawned servers') || (!haveRedis() && 'redis-server not installed');

describe('two nodes sharing Redis', { skip }, () => {
    let redis;
    let a;
    let b;
    before(async () => {
        redis = await startRedis();
        const env = clusterEnv(redis, {
            SOKETI_DEFAULT_APP_ENABLE_CLIENT_MESSAGES: 'true',
            SOKETI_DEFAULT_APP_USER_AUTHENTICATION: 'true',
            SOKETI_USER_AUTHENTICATION_TIMEOUT: '600000',
        });
        a = await startServer({ env });
        b = await startServer({ env });
        // let both nodes see each other before the first cross-node query
        await sleep(500);
    });
    afterEach(closeAllClients);
    after(async () => {
        await closeAllClients();
        await a?.stop();
        await b?.stop();
        await redis?.stop();
    });

    test('an event triggered on node B reaches pusher-js on node A (and B)', T, async () => {
        const ch = `x-node-${process.pid}`;
        const onA = await connectPusher(a);
        const onB = await connectPusher(b);
        const ca = await subscribe(onA, ch);
        const cb = await subscribe(onB, ch);
        const gotA = nextEvent(ca, 'news');
        const gotB = nextEvent(cb, 'news');
        await sdk(b).trigger(ch, 'news', { from: 'B' });
        assert.deepEqual(await gotA, { from: 'B' });
        assert.deepEqual(await gotB, { from: 'B' });
    });

    test('socket_id exclusion works across nodes', T, async () => {
        const ch = `x-except-${process.pid}`;
        const s1 = await connectRaw(a);
        const s3 = await connectRaw(a);
        const s2 = await connectRaw(b);
        await s1.subscribe(a, ch);
        await s3.subscribe(a, ch);
        await s2.subscribe(b, ch);
        const m1 = s1.frames.length;
        const m2 = s2.frames.length;
        const m3 = s3.frames.length;
        await sdk(b).trigger(ch, 'ex', { n: 1 }, { socket_id: s1.socketId });
        await s2.expect((f) => f.event === 'ex', { from: m2 });
        await s3.expect((f) => f.event === 'ex', { from: m3 }); // crossed to node A
        await s1.expectNone((f) => f.event === 'ex', { from: m1, ms: 400 });
    });

    test('client events cross nodes and are not echoed', T, async () => {
        const ch = `private-x-client-${process.pid}`;
        const s1 = await connectRaw(a);
        const s2 = await connectRaw(b);
        await s1.subscribe(a, ch);
        await s2.subscribe(b, ch);
        const m1 = s1.frames.length;
        const m2 = s2.frames.length;
        s1.send({ event: 'client-hop', channel: ch, data: { hop: 1 } });
        const f = await s2.expect((x) => x.event === 'client-hop', { from: m2 });
        assert.deepEqual(f.dataParsed, { hop: 1 });
        await s1.expectNone((x) => x.event === 'client-hop', { from: m1, ms: 300 });
    });

    test('presence: members from both nodes, member_added across nodes, unique user count', T, async () => {
        const ch = `presence-x-${process.pid}`;
        const s1 = await connectRaw(a);
        const r1 = await s1.subscribe(a, ch, { channelData: { user_id: 'ua', user_info: { node: 'a' } } });
        assert.equal(r1.dataParsed.presence.count, 1);
        const m1 = s1.frames.length;
        const s2 = await connectRaw(b);
        const r2 = await s2.subscribe(b, ch, { channelData: { user_id: 'ub', user_info: { node: 'b' } } });
        assert.equal(r2.dataParsed.presence.count, 2);
        assert.deepEqual(r2.dataParsed.presence.hash, { ua: { node: 'a' }, ub: { node: 'b' } });
        const added = await s1.expect('pusher_internal:member_added', { from: m1 });
        assert.equal(added.dataParsed.user_id, 'ub');
        // the same user ua also on node B: no member_added, still 2 users
        const s3 = await connectRaw(b);
        const r3 = await s3.subscribe(b, ch, { channelData: { user_id: 'ua', user_info: { node: 'a' } } });
        assert.equal(r3.dataParsed.presence.count, 2);
        for (const node of [a, b]) {
            const info = await rest(node, { path: `/apps/${APP.id}/channels/${ch}`, params: { info: 'user_count,subscription_count' } });
            assert.equal(info.json.user_count, 2, `user_count on ${node.port}: ${info.text}`);
            assert.equal(info.json.subscription_count, 3, `subscription_count on ${node.port}`);
            const users = await rest(node, { path: `/apps/${APP.id}/channels/${ch}/users` });
            assert.deepEqual(users.json.users.map((u) => u.id).sort(), ['ua', 'ub']);
        }
        await sleep(200);
        assert.equal(s2.frames.filter((f) => f.event === 'pusher_internal:member_added').length, 0, 'no member_added for ua\'s 2nd socket');
        // ua leaves node A: still present through node B → no member_removed
        const m2 = s2.frames.length;
        s1.close();
        await s2.expectNone((f) => f.event === 'pusher_internal:member_removed', { from: m2, ms: 500 });
        s3.close();
        const removed = await s2.expect('pusher_internal:member_removed', { from: m2 });
        assert.equal(removed.dataParsed.user_id, 'ua');
    });

    test('GET channels on one node lists channels occupied on the other', T, async () => {
        const ch = `x-list-${process.pid}`;
        const s1 = await connectRaw(a);
        const s2 = await connectRaw(b);
        await s1.subscribe(a, ch);
        await s2.subscribe(b, ch);
        const list = await rest(b, { path: `/apps/${APP.id}/channels`, params: { filter_by_prefix: 'x-list-', info: 'subscription_count' } });
        assert.equal(list.status, 200, list.text);
        assert.equal(list.json.channels[ch]?.subscription_count, 2, list.text);
    });

    test('sendToUser and terminateUserConnections on node B reach a user signed in on node A', T, async () => {
        const user = `x-user-${process.pid}`;
        const s1 = await connectRaw(a);
        const signed = sdk(a).authenticateUser(s1.socketId, { id: user });
        const from = s1.frames.length;
        s1.send({ event: 'pusher:signin', data: signed });
        await s1.expect('pusher:signin_success', { from });
        await sdk(b).sendToUser(user, 'dm', { hi: 1 });
        const dm = await s1.expect((f) => f.event === 'dm', { from });
        assert.deepEqual(dm.dataParsed, { hi: 1 });
        await sdk(b).terminateUserConnections(user);
        const err = await s1.expect('pusher:error', { from });
        assert.equal(err.dataParsed.code, 4009);
        assert.equal((await raceTimeout(s1.closed, 3000))?.code, 4009);
    });
});

describe('cluster-wide connection quota', { skip }, () => {
    let redis;
    let a;
    let b;
    before(async () => {
        redis = await startRedis();
        const env = clusterEnv(redis, { SOKETI_DEFAULT_APP_MAX_CONNS: '2', SOKETI_ADAPTER_REDIS_PREFIX: `e2eq${process.pid}` });
        a = await startServer({ env });
        b = await startServer({ env });
        await sleep(500);
    });
    after(async () => {
        await closeAllClients();
        await a?.stop();
        await b?.stop();
        await redis?.stop();
    });

    test('one socket per node fills a quota of 2; the third (either node) gets 4100', T, async () => {
        await connectRaw(a);
        await connectRaw(b);
        await eventually(async () => {
            const c = await connectRaw(a, { waitEstablished: false });
            const first = await c.expect(() => true);
            c.terminate();
            return first.event === 'pusher:error' && first.dataParsed.code === 4100;
        }, 5000, '4100 on the third socket');
    });
});
