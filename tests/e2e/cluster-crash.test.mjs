// SPDX-License-Identifier: GPL-3.0-or-later
// Issue 13, "a node that dies": three nodes on one broker (Redis, then NATS), pusher-js presence members on
// each; one node is killed with SIGKILL. The others must tell their subscribers member_removed for the
// dead node's members within two heartbeat periods (plus the time to ask the cluster), list them no more
// in the HTTP API, send the member_removed / channel_vacated webhooks once for the cluster, keep a member
// that is also on a live node, and a node started afterwards must not bring the dead members back.
import { after, afterEach, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import { natsBroker, redisBroker } from './lib/brokers.mjs';
import { APP, canSpawn, closeAllClients, connectPusher, eventually, rest, sleep, startServer, subscribe } from './lib/harness.mjs';

const HEARTBEAT_MS = 500;
// Two heartbeats of silence, a quarter heartbeat of sweep granularity, then one cluster question.
const BOUND_MS = 2 * HEARTBEAT_MS + 1000;
const T = { timeout: 60000 };

async function startReceiver() {
    const events = [];
    const srv = http.createServer((req, res) => {
        let body = '';
        req.setEncoding('utf8');
        req.on('data', (c) => (body += c));
        req.on('end', () => {
            try {
                events.push(...(JSON.parse(body).events ?? []));
            } catch {
                // not a webhook
            }
            res.writeHead(200, { 'content-type': 'application/json' });
            res.end('{}');
        });
    });
    await new Promise((resolve) => srv.listen(0, '127.0.0.1', resolve));
    return { events, port: srv.address().port, close: () => new Promise((r) => srv.close(r)) };
}

const count = (events, name, channel, userId) =>
    events.filter((e) => e.name === name && e.channel === channel && (userId === undefined || e.user_id === userId)).length;

async function userIds(node, channel) {
    const r = await rest(node, { path: `/apps/${APP.id}/channels/${channel}/users` });
    assert.equal(r.status, 200, r.text);
    return r.json.users.map((u) => u.id).sort();
}

for (const broker of [redisBroker, natsBroker]) {
    const skip = (!canSpawn() && 'needs spawned servers') || broker.skip;

    describe(`a node killed with SIGKILL, three nodes on ${broker.name}`, { skip }, () => {
        let server;
        let receiver;
        let env;
        const nodes = [];
        before(async () => {
            receiver = await startReceiver();
            server = await broker.start();
            env = broker.env(server, `crash${process.pid}`, {
                SOKETI_ADAPTER_HEARTBEAT_INTERVAL: String(HEARTBEAT_MS),
                SOKETI_WEBHOOKS_LEAVE_DELAY: '200',
                SOKETI_DEFAULT_APP_WEBHOOKS: JSON.stringify([
                    {
                        url: `http://127.0.0.1:${receiver.port}/hooks`,
                        event_types: ['channel_vacated', 'member_removed'],
                    },
                ]),
            });
            for (let i = 0; i < 3; i++) nodes.push(await startServer({ env }));
            await sleep(HEARTBEAT_MS); // the hellos have been answered
        });
        afterEach(closeAllClients);
        after(async () => {
            await closeAllClients();
            for (const n of nodes) await n.stop();
            await server?.stop();
            await receiver?.close();
        });

        test('the dead node\'s members are removed everywhere within two heartbeats; shared ones stay', T, async () => {
            const [a, b, c] = nodes;
            const ch = `presence-crash-${process.pid}`;
            const solo = `presence-crash-solo-${process.pid}`;
            const as = (id) => ({ presence: () => ({ user_id: id, user_info: { id } }) });
            const onA = await subscribe(await connectPusher(a, as('ua')), ch);
            const onB = await subscribe(await connectPusher(b, as('ub')), ch);
            await subscribe(await connectPusher(c, as('victim')), ch);
            await subscribe(await connectPusher(c, as('both')), ch);
            await subscribe(await connectPusher(a, as('both')), ch); // 'both' is on a live node too
            await subscribe(await connectPusher(c, as('solo')), solo); // the only member of its channel
            await eventually(() => onA.members.count === 4 && onB.members.count === 4, 5000, 'four members on A and B');
            assert.deepEqual(await userIds(a, ch), ['both', 'ua', 'ub', 'victim']);

            const removed = [];
            onA.bind('pusher:member_removed', (m) => removed.push({ on: 'A', id: m.id, at: Date.now() }));
            onB.bind('pusher:member_removed', (m) => removed.push({ on: 'B', id: m.id, at: Date.now() }));
            const killedAt = Date.now();
            c.proc.kill('SIGKILL');
            await eventually(
                () => removed.filter((r) => r.id === 'victim').length === 2,
                BOUND_MS + 3000,
                'member_removed for victim on A and B',
            );
            const cleanupMs = Math.max(...removed.filter((r) => r.id === 'victim').map((r) => r.at)) - killedAt;
            console.log(`# ${broker.name}: crash cleanup ${cleanupMs} ms after SIGKILL (heartbeat ${HEARTBEAT_MS} ms, bound ${BOUND_MS} ms)`);
            assert.ok(cleanupMs <= BOUND_MS, `member_removed came ${cleanupMs} ms after the kill (bound ${BOUND_MS} ms)`);

            await sleep(HEARTBEAT_MS);
            assert.deepEqual(removed.filter((r) => r.id !== 'victim'), [], 'only victim was removed');
            assert.deepEqual(Object.keys(onA.members.members).sort(), ['both', 'ua', 'ub']);
            assert.deepEqual(Object.keys(onB.members.members).sort(), ['both', 'ua', 'ub']);
            for (const node of [a, b]) {
                assert.deepEqual(await userIds(node, ch), ['both', 'ua', 'ub']);
                assert.deepEqual(await userIds(node, solo), []);
            }

            // The webhooks, once for the cluster.
            await eventually(
                () => count(receiver.events, 'member_removed', ch, 'victim') >= 1 && count(receiver.events, 'channel_vacated', solo) >= 1,
                5000,
                'member_removed and channel_vacated webhooks',
            );
            await sleep(500);
            assert.equal(count(receiver.events, 'member_removed', ch, 'victim'), 1);
            assert.equal(count(receiver.events, 'member_removed', solo, 'solo'), 1);
            assert.equal(count(receiver.events, 'channel_vacated', solo), 1);
            assert.equal(count(receiver.events, 'member_removed', ch, 'both'), 0);
            assert.equal(count(receiver.events, 'channel_vacated', ch), 0);

            // A node started afterwards (a new process, a new uuid) brings nobody back.
            const again = await startServer({ env });
            nodes.push(again);
            await sleep(2 * HEARTBEAT_MS);
            const onAgain = await subscribe(await connectPusher(again, as('fresh')), ch);
            assert.deepEqual(Object.keys(onAgain.members.members).sort(), ['both', 'fresh', 'ua', 'ub']);
            for (const node of [a, b, again]) assert.deepEqual(await userIds(node, ch), ['both', 'fresh', 'ua', 'ub']);
        });

        test('a node stopped cleanly (SIGTERM) announces its members\' departure itself', T, async () => {
            const [a, b] = nodes;
            const ch = `presence-crash-term-${process.pid}`;
            const leaving = await startServer({ env });
            nodes.push(leaving);
            await sleep(HEARTBEAT_MS);
            const as = (id) => ({ presence: () => ({ user_id: id, user_info: { id } }) });
            const onA = await subscribe(await connectPusher(a, as('ua')), ch);
            await subscribe(await connectPusher(leaving, as('leaver')), ch);
            await eventually(() => onA.members.count === 2, 5000, 'leaver seen on A');
            const removed = [];
            onA.bind('pusher:member_removed', (m) => removed.push(m.id));
            const lost = () => a.log().split('\n').filter((l) => l.includes('missed two heartbeats')).length;
            const lostBefore = lost();
            await leaving.stop(); // its goodbye makes the others forget it without the crash clean-up
            await eventually(() => removed.includes('leaver'), 5000, 'member_removed for leaver');
            for (const node of [a, b]) assert.deepEqual(await userIds(node, ch), ['ua']);
            await sleep(3 * HEARTBEAT_MS);
            assert.deepEqual(removed, ['leaver']);
            assert.equal(lost(), lostBefore, 'the leaving node said goodbye: not taken for dead');
            assert.equal(count(receiver.events, 'member_removed', ch, 'leaver'), 1);
        });
    });
}
