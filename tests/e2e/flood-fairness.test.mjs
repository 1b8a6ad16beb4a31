// SPDX-License-Identifier: GPL-3.0-or-later
// Issue 12: a client-event flood (no rate limit configured) must not starve the HTTP API. One raw `ws`
// client floods client events on a private channel (another one reads the relays), each in a worker
// thread; meanwhile the `pusher` SDK publishes on a public channel and pusher-js measures how long each
// event takes from the REST call to its delivery. Before the per-read bound the gap was 2.4 s.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { Worker } from 'node:worker_threads';
import {
    APP,
    canSpawn,
    closeAllClients,
    connectPusher,
    connectRaw,
    nextEvent,
    sdk,
    sleep,
    startServer,
    subscribe,
} from './lib/harness.mjs';

// Instrumented builds (tests/sanitize/run.sh sets it) run every event several times slower.
const SCALE = Number(process.env.QSOKETI_TEST_TIME_SCALE || 1);
const MAX_GAP_MS = 500 * SCALE;

async function publishGaps(server, channel, { count, until = Infinity }) {
    const api = sdk(server);
    const gaps = [];
    for (let n = 0; n < count && Date.now() < until; n++) {
        const got = nextEvent(channel, 'tick', 20000 * SCALE);
        const start = performance.now();
        await api.trigger(channel.name, 'tick', { n });
        assert.deepEqual(await got, { n });
        gaps.push(performance.now() - start);
        await sleep(100);
    }
    return gaps;
}

function startWorker(workerData) {
    const worker = new Worker(new URL('./lib/flooder.mjs', import.meta.url), { workerData });
    const ready = new Promise((resolve, reject) => {
        worker.once('message', resolve);
        worker.once('error', reject);
    });
    const done = new Promise((resolve, reject) => {
        worker.on('message', (m) => {
            if (!m.ready) resolve(m);
        });
        worker.on('error', reject);
    }).finally(() => worker.terminate());
    return { ready, done };
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const fmt = (xs) => `median ${median(xs).toFixed(1)} ms, max ${Math.max(...xs).toFixed(1)} ms over ${xs.length}`;

describe('a client-event flood does not starve the HTTP API', { skip: !canSpawn() && 'needs a spawned server' }, () => {
    let server;
    before(async () => {
        server = await startServer({ env: { SOKETI_DEFAULT_APP_ENABLE_CLIENT_MESSAGES: 'true' } });
    });
    after(async () => {
        await closeAllClients();
        await server?.stop();
    });

    test('publish-to-receive gap stays small while one socket floods', { timeout: 120000 * SCALE }, async () => {
        const measurer = await connectPusher(server);
        const channel = await subscribe(measurer, `fairness-${process.pid}`);
        const idle = await publishGaps(server, channel, { count: 5 });

        const floodMs = 6000;
        const common = { port: server.port, key: APP.key, secret: APP.secret, channel: `private-flood-${process.pid}` };
        const reader = startWorker({ role: 'read', ...common, durationMs: floodMs });
        await reader.ready; // subscribed before the flood starts
        const flooder = startWorker({ role: 'flood', ...common, durationMs: floodMs });
        await flooder.ready;
        const floodEnd = Date.now() + floodMs;
        await sleep(1000); // let the flood build up
        const flooded = await publishGaps(server, channel, { count: 15, until: floodEnd - 300 });
        const { sent } = await flooder.done;
        const { relayed } = await reader.done;

        console.log(`idle: ${fmt(idle)}`);
        console.log(`during a flood of ${sent} client events (${relayed} relayed): ${fmt(flooded)}`);
        assert.ok(sent > 20000, `the flood must be a flood: ${sent} events sent`);
        assert.ok(relayed > 1000, `the server relayed the flood: ${relayed}`);
        assert.ok(flooded.length >= 3, `publishes measured during the flood: ${flooded.length}`);
        assert.ok(
            Math.max(...flooded) < MAX_GAP_MS,
            `a REST publish waited behind the flood: ${fmt(flooded)} (limit ${MAX_GAP_MS} ms)`,
        );
        // The server is still fine afterwards.
        const afterwards = await publishGaps(server, channel, { count: 2 });
        assert.equal(afterwards.length, 2);
        assert.ok(server.alive(), server.log());
    });

    test('messages larger than one read step (16 KiB) still arrive whole, up to the size cap', { timeout: 60000 * SCALE }, async () => {
        const c = await connectRaw(server);
        for (const kb of [17, 256, 1000]) {
            const from = c.frames.length;
            c.send({ event: 'pusher:ping', data: { pad: 'x'.repeat(kb * 1024) } });
            await c.expect('pusher:pong', { from, ms: 10000 * SCALE });
        }
        assert.ok(c.isOpen);
    });
});
