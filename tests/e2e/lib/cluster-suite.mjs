// SPDX-License-Identifier: GPL-3.0-or-later
// §8 horizontal scaling, whatever the broker: two server processes share a private broker (free loopback
// port). Events, client events, presence, REST answers, terminate and the connection quota must behave
// as if there were one server; a user connected to both nodes counts once (qsoketi fix of soketi's
// per-node sum). cluster-redis.test.mjs and cluster-nats.test.mjs run it over Redis and NATS.
import { after, afterEach, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import {
    APP,
    canSpawn,
    closeAllClients,
    connectPusher,
    connectRaw,
    eventually,
    nextEvent,
    raceTimeout,
    rest,
    sdk,
    sleep,
    startServer,
    subscribe,
} from './harness.mjs';

const T = { timeout: 30000 };

// broker: { name, skip (false or why), start() → { port, stop() }, env(handle, prefix, extra) → env vars }
export function clusterSuite(broker) {
    const skip = (!canSpawn() && 'needs spawned servers') || broker.skip;

    describe(`two nodes sharing ${broker.name}`, { skip }, () => {
        let server;
        let env;
        let a;
        let b;
        before(async () => {
            server = await broker.start();
            env = broker.env(server, `e2e${process.pid}`, {
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
            await server?.stop();
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

        test('a third node: presence, counts, broadcast and exclusion are the same from every node', T, async () => {
            const c = await startServer({ env });
            try {
                await sleep(500); // heard by the others before it is asked
                const nodes = [a, b, c];
                const ch = `presence-three-${process.pid}`;
                const socks = [];
                for (const [i, node] of nodes.entries()) {
                    const s = await connectRaw(node);
                    await s.subscribe(node, ch, { channelData: { user_id: `u${i}`, user_info: { n: i } } });
                    socks.push(s);
                }
                for (const node of nodes) {
                    const info = await rest(node, { path: `/apps/${APP.id}/channels/${ch}`, params: { info: 'user_count,subscription_count' } });
                    assert.equal(info.json.user_count, 3, `user_count on ${node.port}: ${info.text}`);
                    assert.equal(info.json.subscription_count, 3, `subscription_count on ${node.port}: ${info.text}`);
                    const users = await rest(node, { path: `/apps/${APP.id}/channels/${ch}/users` });
                    assert.deepEqual(users.json.users.map((u) => u.id).sort(), ['u0', 'u1', 'u2'], `users on ${node.port}`);
                }
                // From every node, excluding the socket on node A: the sockets on B and C get it, A's does not.
                for (const [i, node] of nodes.entries()) {
                    const marks = socks.map((s) => s.frames.length);
                    await sdk(node).trigger(ch, 'tick', { from: i }, { socket_id: socks[0].socketId });
                    await socks[1].expect((f) => f.event === 'tick' && f.dataParsed?.from === i, { from: marks[1] });
                    await socks[2].expect((f) => f.event === 'tick' && f.dataParsed?.from === i, { from: marks[2] });
                    await socks[0].expectNone((f) => f.event === 'tick', { from: marks[0], ms: 300 });
                }
            } finally {
                await closeAllClients();
                await c.stop();
            }
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

    describe(`cluster-wide connection quota over ${broker.name}`, { skip }, () => {
        let server;
        let a;
        let b;
        before(async () => {
            server = await broker.start();
            const env = broker.env(server, `e2eq${process.pid}`, { SOKETI_DEFAULT_APP_MAX_CONNS: '2' });
            a = await startServer({ env });
            b = await startServer({ env });
            await sleep(500);
        });
        after(async () => {
            await closeAllClients();
            await a?.stop();
            await b?.stop();
            await server?.stop();
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
}
