// SPDX-License-Identifier: GPL-3.0-or-later
// Laravel Echo 2 with the pusher broadcaster (the most common soketi set-up): listening on a public
// and a private channel for events broadcast by the server SDK (Laravel's payload shape and
// App.Events namespace), presence here/joining/leaving, and whisper on a private channel.
import { after, afterEach, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import Echo from 'laravel-echo';
import PusherJs from 'pusher-js';
import {
    canSpawn,
    channelAuthHandler,
    closeAllClients,
    eventually,
    sdk,
    sleep,
    startServer,
    withTimeout,
} from './lib/harness.mjs';

const T = { timeout: 20000 };
let seq = 0;
const uniq = (prefix) => `${prefix}${process.pid}-${++seq}`;

const echos = new Set();

async function makeEcho(server, { broadcaster = 'pusher', presence } = {}) {
    const echo = new Echo({
        broadcaster,
        key: 'app-key',
        cluster: 'mt1',
        wsHost: '127.0.0.1',
        wsPort: server.port,
        wssPort: server.port,
        forceTLS: false,
        enabledTransports: ['ws'],
        disableStats: true,
        Pusher: PusherJs,
        // what a Laravel /broadcasting/auth endpoint answers, produced by the pusher SDK
        channelAuthorization: { customHandler: channelAuthHandler(server, { presence }) },
    });
    echos.add(echo);
    await withTimeout(
        new Promise((resolve) => {
            if (echo.connector.pusher.connection.state === 'connected') resolve();
            echo.connector.pusher.connection.bind('connected', resolve);
        }),
        5000,
        'Echo connected',
    );
    assert.equal(echo.connectionStatus(), 'connected');
    return echo;
}

function subscribed(channel) {
    return withTimeout(
        new Promise((resolve, reject) => {
            // the underlying pusher-js channel may already be subscribed (no event would follow)
            if (channel.subscription?.subscribed) resolve();
            channel.subscribed(resolve);
            channel.error((e) => reject(new Error(`subscription error ${JSON.stringify(e)}`)));
        }),
        5000,
        `Echo subscription ${channel.name}`,
    );
}

describe('Laravel Echo 2', { skip: !canSpawn() && 'needs a spawned server' }, () => {
    let server;
    before(async () => {
        server = await startServer({ env: { SOKETI_DEFAULT_APP_ENABLE_CLIENT_MESSAGES: 'true' } });
    });
    afterEach(async () => {
        for (const e of echos) e.disconnect();
        echos.clear();
        await closeAllClients();
    });
    after(async () => {
        await server?.stop();
    });

    test('public channel: listen() receives a broadcast event in the App.Events namespace', T, async () => {
        const name = uniq('orders-');
        const echo = await makeEcho(server);
        const got = new Promise((resolve) => echo.channel(name).listen('OrderShipped', resolve));
        await subscribed(echo.channel(name));
        // Laravel's PusherBroadcaster sends the fully-qualified class name and a JSON payload
        await sdk(server).trigger(name, 'App\\Events\\OrderShipped', { order: { id: 17 }, socket: null });
        const payload = await withTimeout(got, 5000, 'OrderShipped');
        assert.deepEqual(payload, { order: { id: 17 }, socket: null });
    });

    test('private channel: listen() with a leading dot for a custom event name', T, async () => {
        const name = uniq('user.');
        const echo = await makeEcho(server);
        const channel = echo.private(name);
        const got = new Promise((resolve) => channel.listen('.balance.updated', resolve));
        await subscribed(channel);
        await sdk(server).trigger(`private-${name}`, 'balance.updated', { balance: 99.5 });
        assert.deepEqual(await withTimeout(got, 5000, 'balance.updated'), { balance: 99.5 });
    });

    test('private channel: whisper reaches the other client, not the sender', T, async () => {
        const name = uniq('chat.');
        const alice = await makeEcho(server);
        const bob = await makeEcho(server);
        const ac = alice.private(name);
        const bc = bob.private(name);
        await subscribed(ac);
        await subscribed(bc);
        const echoed = [];
        ac.listenForWhisper('typing', (e) => echoed.push(e));
        const got = new Promise((resolve) => bc.listenForWhisper('typing', resolve));
        ac.whisper('typing', { name: 'Alice', typing: true });
        assert.deepEqual(await withTimeout(got, 5000, 'whisper'), { name: 'Alice', typing: true });
        await sleep(300);
        assert.deepEqual(echoed, []);
    });

    test('presence channel: here / joining / leaving', T, async () => {
        const name = uniq('room.');
        const users = { a: { id: 1, name: 'Ann' }, b: { id: 2, name: 'Ben' } };
        const ann = await makeEcho(server, { presence: () => ({ user_id: 1, user_info: users.a }) });
        const here = new Promise((resolve) => ann.join(name).here(resolve));
        const hereList = await withTimeout(here, 5000, 'here');
        assert.deepEqual(hereList, [users.a]);
        const joining = new Promise((resolve) => ann.join(name).joining(resolve));
        const leaving = new Promise((resolve) => ann.join(name).leaving(resolve));
        const ben = await makeEcho(server, { presence: () => ({ user_id: 2, user_info: users.b }) });
        const benHere = new Promise((resolve) => ben.join(name).here(resolve));
        assert.deepEqual(await withTimeout(joining, 5000, 'joining'), users.b);
        const list = await withTimeout(benHere, 5000, 'ben here');
        assert.deepEqual([...list].sort((x, y) => x.id - y.id), [users.a, users.b]);
        ben.leave(name);
        assert.deepEqual(await withTimeout(leaving, 5000, 'leaving'), users.b);
    });

    test("broadcaster 'reverb' (Echo's name for a Pusher-protocol server) works the same", T, async () => {
        const name = uniq('reverb-');
        const echo = await makeEcho(server, { broadcaster: 'reverb' });
        const seen = [];
        echo.channel(name).listen('.ping', (e) => seen.push(e));
        await subscribed(echo.channel(name));
        await sdk(server).trigger(name, 'ping', { n: 1 });
        await eventually(() => seen.length === 1, 5000, 'reverb listen');
        assert.deepEqual(seen[0], { n: 1 });
        assert.match(echo.socketId(), /^\d+\.\d+$/);
    });

    test('toOthers: the SDK socket_id excludes the Echo client that caused the event', T, async () => {
        const name = uniq('others-');
        const me = await makeEcho(server);
        const other = await makeEcho(server);
        const mine = [];
        const theirs = [];
        me.channel(name).listen('.update', (e) => mine.push(e));
        other.channel(name).listen('.update', (e) => theirs.push(e));
        await subscribed(me.channel(name));
        await subscribed(other.channel(name));
        await sdk(server).trigger(name, 'update', { v: 1 }, { socket_id: me.socketId() });
        await eventually(() => theirs.length === 1, 5000, 'other gets it');
        await sleep(200);
        assert.deepEqual(mine, []);
    });
});
