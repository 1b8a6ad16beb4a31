// SPDX-License-Identifier: GPL-3.0-or-later
// §7 webhooks: a tiny receiver on 127.0.0.1 validates every delivery with the pusher SDK's webhook()
// helper (X-Pusher-Key / X-Pusher-Signature) and checks channel_occupied, channel_vacated,
// member_added, member_removed, client_event and cache_miss payloads, plus event_types filtering.
import { after, afterEach, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import {
    canSpawn,
    closeAllClients,
    connectRaw,
    eventually,
    sdk,
    sleep,
    startServer,
} from './lib/harness.mjs';

const T = { timeout: 20000 };
let seq = 0;
const uniq = (prefix) => `${prefix}${process.pid}-${++seq}`;

async function startReceiver() {
    const deliveries = [];
    const failuresLeft = new Map([['/flaky', 2]]); // /flaky answers 500 twice, then 200
    const srv = http.createServer((req, res) => {
        let body = '';
        req.setEncoding('utf8');
        req.on('data', (c) => (body += c));
        req.on('end', () => {
            const left = failuresLeft.get(req.url) ?? 0;
            deliveries.push({ path: req.url, headers: req.headers, rawBody: body, at: Date.now(), answered: left > 0 ? 500 : 200 });
            if (left > 0) {
                failuresLeft.set(req.url, left - 1);
                res.writeHead(500);
                res.end('try again');
                return;
            }
            res.writeHead(200, { 'content-type': 'application/json' });
            res.end('{}');
        });
    });
    await new Promise((resolve) => srv.listen(0, '127.0.0.1', resolve));
    return { deliveries, port: srv.address().port, close: () => new Promise((r) => srv.close(r)) };
}

/** All webhook events received so far for `channel` (flattened, with the delivery path). */
function eventsFor(receiver, channel) {
    return receiver.deliveries.flatMap((d) => {
        let parsed;
        try {
            parsed = JSON.parse(d.rawBody);
        } catch {
            return [];
        }
        return (parsed.events ?? []).filter((e) => e.channel === channel).map((e) => ({ ...e, _path: d.path }));
    });
}

describe('webhooks', { skip: !canSpawn() && 'needs a spawned server' }, () => {
    let server;
    let receiver;
    before(async () => {
        receiver = await startReceiver();
        const hooks = [
            {
                url: `http://127.0.0.1:${receiver.port}/all`,
                event_types: ['channel_occupied', 'channel_vacated', 'member_added', 'member_removed', 'client_event', 'cache_miss'],
            },
            { url: `http://127.0.0.1:${receiver.port}/occupied-only`, event_types: ['channel_occupied'] },
            {
                url: `http://127.0.0.1:${receiver.port}/filtered`,
                event_types: ['channel_occupied'],
                headers: { 'X-Custom-Header': 'custom-value' },
                filter: { channel_name_starts_with: 'filt-', channel_name_ends_with: '-end' },
            },
            { url: `http://127.0.0.1:${receiver.port}/flaky`, event_types: ['channel_vacated'], filter: { channel_name_starts_with: 'flaky-' } },
        ];
        server = await startServer({
            env: {
                SOKETI_DEFAULT_APP_WEBHOOKS: JSON.stringify(hooks),
                SOKETI_DEFAULT_APP_ENABLE_CLIENT_MESSAGES: 'true',
                // qsoketi holds vacated/member_removed 3 s by default (webhooks-delivery.test.mjs); soketi ignores it.
                SOKETI_WEBHOOKS_LEAVE_DELAY: '300',
            },
        });
    });
    afterEach(closeAllClients);
    after(async () => {
        await closeAllClients();
        await server?.stop();
        await receiver?.close();
    });

    test('every delivery is signed: the SDK webhook() helper validates it', T, async () => {
        const ch = uniq('hook-sig-');
        const c = await connectRaw(server);
        await c.subscribe(server, ch);
        await eventually(() => eventsFor(receiver, ch).length > 0, 5000, 'a webhook');
        const signer = sdk(server);
        for (const d of receiver.deliveries) {
            const hook = signer.webhook({ headers: d.headers, rawBody: d.rawBody });
            assert.ok(hook.isValid(), `signature of ${d.rawBody}`);
            assert.equal(d.headers['content-type']?.split(';')[0], 'application/json');
            assert.equal(typeof hook.getTime().getTime(), 'number');
            assert.ok(Array.isArray(hook.getEvents()));
        }
    });

    test('channel_occupied on first subscribe, channel_vacated after the last leaves', T, async () => {
        const ch = uniq('hook-occ-');
        const a = await connectRaw(server);
        const b = await connectRaw(server);
        await a.subscribe(server, ch);
        await b.subscribe(server, ch);
        await eventually(() => eventsFor(receiver, ch).some((e) => e.name === 'channel_occupied' && e._path === '/all'), 5000, 'occupied');
        await sleep(200);
        assert.equal(eventsFor(receiver, ch).filter((e) => e.name === 'channel_occupied' && e._path === '/all').length, 1, 'one occupied for two subscribers');
        a.close();
        await sleep(300);
        assert.ok(!eventsFor(receiver, ch).some((e) => e.name === 'channel_vacated'), 'not vacated while b is subscribed');
        b.send({ event: 'pusher:unsubscribe', data: { channel: ch } });
        await eventually(() => eventsFor(receiver, ch).some((e) => e.name === 'channel_vacated' && e._path === '/all'), 5000, 'vacated');
        // event_types filtering: the second hook only gets channel_occupied
        const filtered = eventsFor(receiver, ch).filter((e) => e._path === '/occupied-only');
        assert.ok(filtered.length >= 1);
        assert.ok(filtered.every((e) => e.name === 'channel_occupied'), JSON.stringify(filtered));
    });

    test('member_added / member_removed with user_id', T, async () => {
        const ch = uniq('presence-hook-');
        const a = await connectRaw(server);
        await a.subscribe(server, ch, { channelData: { user_id: 'hook-user' } });
        await eventually(
            () => eventsFor(receiver, ch).find((e) => e.name === 'member_added' && e._path === '/all'),
            5000,
            'member_added',
        ).then((e) => assert.equal(String(e.user_id), 'hook-user'));
        a.close();
        const removed = await eventually(
            () => eventsFor(receiver, ch).find((e) => e.name === 'member_removed' && e._path === '/all'),
            5000,
            'member_removed',
        );
        assert.equal(String(removed.user_id), 'hook-user');
    });

    test('client_event carries event, data and socket_id', T, async () => {
        const ch = uniq('private-hook-');
        const a = await connectRaw(server);
        const b = await connectRaw(server);
        await a.subscribe(server, ch);
        await b.subscribe(server, ch);
        a.send({ event: 'client-hooked', channel: ch, data: { k: 'v' } });
        const ev = await eventually(
            () => eventsFor(receiver, ch).find((e) => e.name === 'client_event' && e._path === '/all'),
            5000,
            'client_event webhook',
        );
        assert.equal(ev.event, 'client-hooked');
        assert.equal(ev.socket_id, a.socketId);
        const data = typeof ev.data === 'string' ? JSON.parse(ev.data) : ev.data;
        assert.deepEqual(data, { k: 'v' });
    });

    test('cache_miss when subscribing to an empty cache channel', T, async () => {
        const ch = uniq('cache-hook-');
        const a = await connectRaw(server);
        await a.subscribe(server, ch);
        await eventually(() => eventsFor(receiver, ch).some((e) => e.name === 'cache_miss' && e._path === '/all'), 5000, 'cache_miss webhook');
    });

    test('filters (starts_with AND ends_with) decide per webhook; custom headers are sent', T, async () => {
        const match = `filt-${process.pid}-end`;
        const noEnd = `filt-${process.pid}-nope`;
        const noStart = `x-filt-${process.pid}-end`;
        for (const ch of [match, noEnd, noStart]) {
            const c = await connectRaw(server);
            await c.subscribe(server, ch);
        }
        await eventually(() => eventsFor(receiver, match).some((e) => e._path === '/filtered'), 5000, 'filtered hook for the matching channel');
        await eventually(() => eventsFor(receiver, noStart).some((e) => e._path === '/all'), 5000, 'the /all hook still sees every channel');
        await sleep(300);
        assert.ok(!eventsFor(receiver, noEnd).some((e) => e._path === '/filtered'), 'ends_with must match too');
        assert.ok(!eventsFor(receiver, noStart).some((e) => e._path === '/filtered'), 'starts_with must match too');
        const d = receiver.deliveries.find((x) => x.path === '/filtered');
        assert.equal(d.headers['x-custom-header'], 'custom-value');
        assert.ok(sdk(server).webhook({ headers: d.headers, rawBody: d.rawBody }).isValid(), 'custom headers do not break the signature');
    });

    test('a failing endpoint (HTTP 500) gets the same signed delivery again until it succeeds', T, async () => {
        // qsoketi retries failed deliveries with back-off (soketi never retries, issue #683).
        const ch = `flaky-${process.pid}`;
        const c = await connectRaw(server);
        await c.subscribe(server, ch);
        c.send({ event: 'pusher:unsubscribe', data: { channel: ch } });
        const attempts = await eventually(() => {
            const list = receiver.deliveries.filter((x) => x.path === '/flaky' && x.rawBody.includes(ch));
            return list.length >= 3 ? list : null;
        }, 12000, 'three attempts (500, 500, 200)');
        assert.deepEqual(attempts.slice(0, 3).map((x) => x.answered), [500, 500, 200]);
        assert.equal(new Set(attempts.map((x) => x.rawBody)).size, 1, 'the same payload each time');
        assert.ok(attempts[1].at - attempts[0].at >= 500, 'retries are spaced out (back-off)');
        await sleep(1500);
        assert.equal(receiver.deliveries.filter((x) => x.path === '/flaky' && x.rawBody.includes(ch)).length, 3, 'no retry after a 2xx');
    });
});
