// SPDX-License-Identifier: GPL-3.0-or-later
// Pusher's subscription_count feature (absent from soketi): apps with enableSubscriptionCount
// (SOKETI_DEFAULT_APP_ENABLE_SUBSCRIPTION_COUNT=true) send
// {"event":"pusher_internal:subscription_count","channel":…,"data":"{\"subscription_count\":N}"}
// to the subscribers when the count changes; pusher-js surfaces it as pusher:subscription_count.
import { after, afterEach, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import {
    canSpawn,
    closeAllClients,
    collectEvents,
    connectPusher,
    connectRaw,
    eventually,
    sleep,
    startServer,
    subscribe,
} from './lib/harness.mjs';

const T = { timeout: 20000 };
let seq = 0;
const uniq = (prefix) => `${prefix}${process.pid}-${++seq}`;
const countsOf = (client, channel, from = 0) =>
    client.frames
        .slice(from)
        .filter((f) => f.event === 'pusher_internal:subscription_count' && f.channel === channel)
        .map((f) => f.dataParsed.subscription_count);

describe('subscription_count (enabled)', { skip: !canSpawn() && 'needs a spawned server' }, () => {
    let server;
    before(async () => {
        server = await startServer({ env: { SOKETI_DEFAULT_APP_ENABLE_SUBSCRIPTION_COUNT: 'true' } });
    });
    afterEach(closeAllClients);
    after(async () => {
        await closeAllClients();
        await server?.stop();
    });

    test('raw: subscribers are told the new count when others join and leave', T, async () => {
        const ch = uniq('count-');
        const a = await connectRaw(server);
        await a.subscribe(server, ch);
        const b = await connectRaw(server);
        await b.subscribe(server, ch);
        await eventually(() => countsOf(a, ch).at(-1) === 2, 3000, 'a sees 2');
        const c = await connectRaw(server);
        await c.subscribe(server, ch);
        await eventually(() => countsOf(a, ch).at(-1) === 3 && countsOf(b, ch).at(-1) === 3, 3000, 'a and b see 3');
        const frame = a.frames.find((f) => f.event === 'pusher_internal:subscription_count');
        assert.equal(frame.channel, ch);
        assert.equal(typeof frame.dataParsed.subscription_count, 'number');
        c.close();
        await eventually(() => countsOf(a, ch).at(-1) === 2, 3000, 'a sees 2 after c left');
        b.send({ event: 'pusher:unsubscribe', data: { channel: ch } });
        await eventually(() => countsOf(a, ch).at(-1) === 1, 3000, 'a sees 1 after b unsubscribed');
    });

    test('pusher-js: pusher:subscription_count on a private channel', T, async () => {
        const ch = uniq('private-count-');
        const a = await connectPusher(server);
        const ca = await subscribe(a, ch);
        const seen = collectEvents(ca, 'pusher:subscription_count');
        const b = await connectPusher(server);
        await subscribe(b, ch);
        await eventually(() => seen.at(-1)?.subscription_count === 2, 3000, 'pusher-js count 2');
        assert.equal(ca.subscriptionCount, 2);
        b.disconnect();
        await eventually(() => seen.at(-1)?.subscription_count === 1, 3000, 'pusher-js count 1');
    });

    test('counts are per channel', T, async () => {
        const x = uniq('count-x-');
        const y = uniq('count-y-');
        const a = await connectRaw(server);
        await a.subscribe(server, x);
        await a.subscribe(server, y);
        const others = [];
        for (let i = 0; i < 3; i++) {
            const o = await connectRaw(server);
            await o.subscribe(server, x);
            others.push(o);
        }
        await eventually(() => countsOf(a, x).at(-1) === 4, 3000, 'x count 4');
        await sleep(200);
        const ys = countsOf(a, y);
        assert.ok(ys.every((n) => n === 1), `y counts ${JSON.stringify(ys)}`);
    });
});

describe('subscription_count (disabled by default)', { skip: !canSpawn() && 'needs a spawned server' }, () => {
    let server;
    before(async () => {
        server = await startServer();
    });
    after(async () => {
        await closeAllClients();
        await server?.stop();
    });

    test('no subscription_count frames are sent', T, async () => {
        const ch = uniq('nocount-');
        const a = await connectRaw(server);
        await a.subscribe(server, ch);
        const b = await connectRaw(server);
        await b.subscribe(server, ch);
        await sleep(400);
        assert.deepEqual(countsOf(a, ch), []);
        assert.deepEqual(countsOf(b, ch), []);
    });
});
