// SPDX-License-Identifier: GPL-3.0-or-later
// §5 HTTP REST API: every route, signature checks and error statuses (qsoketi answers real HTTP
// statuses 400/401/403/404/413/429 with {"error","code"}; soketi answers 200 by accident).
import { after, afterEach, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import {
    APP,
    REFERENCE_QUIRKS,
    canSpawn,
    closeAllClients,
    connectPusher,
    connectRaw,
    eventually,
    rest,
    sdk,
    startServer,
    subscribe,
} from './lib/harness.mjs';

const T = { timeout: 20000 };
let seq = 0;
const uniq = (prefix) => `${prefix}${process.pid}-${++seq}`;
const apps = `/apps/${APP.id}`;

function assertError(res, status) {
    assert.equal(res.status, status, `HTTP status (body ${res.text})`);
    assert.ok(res.json && typeof res.json === 'object', `JSON error body, got ${JSON.stringify(res.text)}`);
    assert.equal(typeof res.json.error, 'string');
    assert.ok(res.json.error.length > 0);
    assert.equal(res.json.code, status);
}

function assertOkTrigger(res) {
    assert.equal(res.status, 200, res.text);
    const ok = (res.json && Object.keys(res.json).length === 0) || res.json?.ok === true;
    assert.ok(ok, `trigger answer {} or {"ok":true}, got ${res.text}`);
}

describe('REST API', () => {
    let server;
    before(async () => {
        server = await startServer();
    });
    afterEach(closeAllClients);
    after(async () => {
        await closeAllClients();
        await server?.stop();
    });

    test('GET / and GET /ready answer OK', T, async () => {
        for (const path of ['/', '/ready']) {
            const res = await fetch(server.url(path));
            assert.equal(res.status, 200, path);
            assert.equal((await res.text()).trim(), 'OK', path);
        }
    });

    test('GET /accept-traffic reports memory usage', T, async () => {
        const res = await fetch(server.url('/accept-traffic'));
        assert.equal(res.status, 200);
        const body = await res.json();
        assert.ok(body.memory, JSON.stringify(body));
        for (const k of ['usedSize', 'totalSize', 'percentUsage']) assert.equal(typeof body.memory[k], 'number', k);
        assert.ok(body.memory.usedSize > 0);
        assert.ok(body.memory.totalSize >= body.memory.usedSize);
        assert.ok(body.memory.percentUsage > 0 && body.memory.percentUsage <= 100);
    });

    test('GET /usage answers on the metrics port and on the main port', T, async () => {
        // soketi serves /usage on the metrics port only; qsoketi also on the main port.
        for (const url of [server.metricsUrl('/usage'), server.url('/usage')]) {
            const res = await fetch(url);
            assert.equal(res.status, 200, url);
            const body = await res.json();
            for (const k of ['free', 'used', 'total', 'percent']) assert.equal(typeof body.memory?.[k], 'number', `${url} ${k}`);
            assert.ok(body.memory.used > 0 && body.memory.total >= body.memory.used, url);
        }
    });

    test('metrics port answers GET / and /ready', T, async () => {
        for (const path of ['/', '/ready']) {
            const res = await fetch(server.metricsUrl(path));
            assert.equal(res.status, 200, path);
            assert.equal((await res.text()).trim(), 'OK');
        }
    });

    test('API responses carry CORS and JSON content-type headers', T, async () => {
        const res = await rest(server, { path: `${apps}/channels` });
        assert.equal(res.status, 200);
        assert.equal(res.headers.get('access-control-allow-origin'), '*');
        assert.match(res.headers.get('content-type') ?? '', /application\/json/);
    });

    test('POST events with the SDK reaches subscribers; answer {} or {"ok":true}', T, async () => {
        const ch = uniq('rest-ev-');
        const c = await connectRaw(server);
        await c.subscribe(server, ch);
        const from = c.frames.length;
        const res = await rest(server, { method: 'POST', path: `${apps}/events`, body: { name: 'e1', channel: ch, data: JSON.stringify({ a: 1 }) } });
        assertOkTrigger(res);
        const f = await c.expect((x) => x.event === 'e1', { from });
        assert.deepEqual(f.dataParsed, { a: 1 });
        // SDK trigger works too (it throws on any status >= 400)
        const r2 = await sdk(server).trigger(ch, 'e2', 'x');
        assert.equal(r2.status, 200);
        await c.expect((x) => x.event === 'e2', { from });
    });

    test('POST events with info returns subscription_count / user_count per channel', T, async () => {
        const pub = uniq('info-pub-');
        const pres = uniq('presence-info-');
        const a = await connectRaw(server);
        const b = await connectRaw(server);
        await a.subscribe(server, pub);
        await b.subscribe(server, pub);
        await a.subscribe(server, pres, { channelData: { user_id: 'u1' } });
        await b.subscribe(server, pres, { channelData: { user_id: 'u2' } });
        const res = await rest(server, {
            method: 'POST',
            path: `${apps}/events`,
            body: { name: 'counted', channels: [pub, pres], data: '{}', info: 'subscription_count,user_count' },
        });
        assert.equal(res.status, 200, res.text);
        assert.equal(res.json.channels?.[pub]?.subscription_count, 2, res.text);
        assert.equal(res.json.channels[pres].subscription_count, 2);
        assert.equal(res.json.channels[pres].user_count, 2);
        // via the SDK's params too
        const r2 = await (await sdk(server).trigger(pub, 'counted', {}, { info: 'subscription_count' })).json();
        assert.deepEqual(r2.channels, { [pub]: { subscription_count: 2 } });
        // without info: no per-channel data ({} or {"ok":true})
        const r3 = await (await sdk(server).trigger(pub, 'counted', {})).json();
        assert.equal(r3.channels, undefined, JSON.stringify(r3));
    });

    test('POST events validation: missing name/data/channel → 400, too many channels → 400, long name → 400', T, async () => {
        const ch = uniq('val-');
        for (const body of [{ data: '{}', channel: ch }, { name: 'x', channel: ch }, { name: 'x', data: '{}' }]) {
            assertError(await rest(server, { method: 'POST', path: `${apps}/events`, body }), 400);
        }
        const many = Array.from({ length: 101 }, (_, i) => `${ch}-${i}`);
        assertError(await rest(server, { method: 'POST', path: `${apps}/events`, body: { name: 'x', data: '{}', channels: many } }), 400);
        assertError(await rest(server, { method: 'POST', path: `${apps}/events`, body: { name: 'n'.repeat(201), data: '{}', channel: ch } }), 400);
        assertError(await rest(server, { method: 'POST', path: `${apps}/events`, body: 'this is not json' }), 400);
    });

    test('POST events with data over 100 KB → 413', T, async () => {
        const ch = uniq('big-');
        const c = await connectRaw(server);
        await c.subscribe(server, ch);
        const from = c.frames.length;
        const res = await rest(server, { method: 'POST', path: `${apps}/events`, body: { name: 'big', channel: ch, data: 'x'.repeat(101 * 1024) } });
        assertError(res, 413);
        await c.expectNone((x) => x.event === 'big', { from, ms: 200 });
    });

    test('POST batch_events: up to 10 delivered in order; 11 → 400 and nothing sent', T, async () => {
        const ch = uniq('batch-');
        const c = await connectRaw(server);
        await c.subscribe(server, ch);
        const from = c.frames.length;
        const batch = Array.from({ length: 10 }, (_, i) => ({ channel: ch, name: 'b', data: JSON.stringify({ i }) }));
        const res = await rest(server, { method: 'POST', path: `${apps}/batch_events`, body: { batch } });
        assert.equal(res.status, 200, res.text);
        assert.ok(res.json && typeof res.json === 'object');
        const got = await eventually(() => {
            const l = c.frames.slice(from).filter((f) => f.event === 'b');
            return l.length === 10 ? l : null;
        }, 5000, '10 batch events');
        assert.deepEqual(got.map((f) => f.dataParsed.i), [...Array(10).keys()]);
        // the SDK helper
        const r2 = await sdk(server).triggerBatch([{ channel: ch, name: 'sdk-b', data: { z: 1 } }]);
        assert.equal(r2.status, 200);
        await c.expect((x) => x.event === 'sdk-b', { from });
        // 11 → 400, none delivered
        const mark = c.frames.length;
        const eleven = Array.from({ length: 11 }, (_, i) => ({ channel: ch, name: 'b11', data: String(i) }));
        assertError(await rest(server, { method: 'POST', path: `${apps}/batch_events`, body: { batch: eleven } }), 400);
        // one invalid item rejects the whole batch
        const bad = [{ channel: ch, name: 'bad1', data: '1' }, { channel: ch, data: '2' }];
        assertError(await rest(server, { method: 'POST', path: `${apps}/batch_events`, body: { batch: bad } }), 400);
        await c.expectNone((x) => x.event === 'b11' || x.event === 'bad1', { from: mark, ms: 300 });
    });

    test('POST batch_events with info answers per item (Pusher format)', T, async () => {
        const ch = uniq('batch-info-');
        const pres = uniq('presence-batch-info-');
        const a = await connectRaw(server);
        await a.subscribe(server, ch);
        await a.subscribe(server, pres, { channelData: { user_id: 'bi' } });
        const res = await rest(server, {
            method: 'POST',
            path: `${apps}/batch_events`,
            body: {
                batch: [
                    { channel: ch, name: 'i1', data: '{}', info: 'subscription_count' },
                    { channel: pres, name: 'i2', data: '{}', info: 'user_count,subscription_count' },
                ],
            },
        });
        assert.equal(res.status, 200, res.text);
        assert.deepEqual(res.json.batch, [{ subscription_count: 1 }, { user_count: 1, subscription_count: 1 }], res.text);
    });

    test('GET channels lists occupied channels, filter_by_prefix and info=user_count', T, async () => {
        const tag = uniq('lst');
        const pub = `${tag}-pub`;
        const pres = `presence-${tag}`;
        const a = await connectRaw(server);
        const b = await connectRaw(server);
        await a.subscribe(server, pub);
        await b.subscribe(server, pub);
        await a.subscribe(server, pres, { channelData: { user_id: 'x' } });
        await b.subscribe(server, pres, { channelData: { user_id: 'x' } });
        const all = await rest(server, { path: `${apps}/channels` });
        assert.equal(all.status, 200);
        assert.ok(all.json.channels[pub], all.text);
        assert.ok(all.json.channels[pres], all.text);

        const filtered = await rest(server, { path: `${apps}/channels`, params: { filter_by_prefix: 'presence-' } });
        assert.equal(filtered.status, 200);
        const names = Object.keys(filtered.json.channels);
        assert.ok(names.includes(pres));
        assert.ok(names.every((n) => n.startsWith('presence-')), names.join(','));

        const withUsers = await rest(server, { path: `${apps}/channels`, params: { filter_by_prefix: 'presence-', info: 'user_count' } });
        assert.equal(withUsers.status, 200, withUsers.text);
        assert.equal(withUsers.json.channels[pres].user_count, 1, withUsers.text);

        const withSubs = await rest(server, { path: `${apps}/channels`, params: { info: 'subscription_count' } });
        assert.equal(withSubs.json.channels[pub].subscription_count, 2, withSubs.text);

        // the SDK's get()
        const viaSdk = await (await sdk(server).get({ path: '/channels', params: { filter_by_prefix: tag } })).json();
        assert.deepEqual(Object.keys(viaSdk.channels), [pub]);
    });

    test('GET channels/{channel}: counts, unoccupied channel has zeros', T, async () => {
        const ch = uniq('one-');
        const empty = await rest(server, { path: `${apps}/channels/${ch}` });
        assert.equal(empty.status, 200);
        assert.equal(empty.json.occupied, false);
        const c1 = await connectPusher(server);
        const c2 = await connectPusher(server);
        await subscribe(c1, ch);
        await subscribe(c2, ch);
        const res = await rest(server, { path: `${apps}/channels/${ch}`, params: { info: 'subscription_count' } });
        assert.equal(res.status, 200);
        assert.equal(res.json.occupied, true);
        assert.equal(res.json.subscription_count, 2);
        const pres = uniq('presence-one-');
        const p = await connectRaw(server);
        await p.subscribe(server, pres, { channelData: { user_id: 'solo' } });
        const pr = await rest(server, { path: `${apps}/channels/${pres}`, params: { info: 'user_count' } });
        assert.equal(pr.json.user_count, 1);
        assert.equal(pr.json.occupied, true);
    });

    test('GET channels/{presence}/users lists unique users; non-presence → 400', T, async () => {
        const pres = uniq('presence-users-');
        const a = await connectRaw(server);
        const b = await connectRaw(server);
        const c = await connectRaw(server);
        await a.subscribe(server, pres, { channelData: { user_id: 'ann' } });
        await b.subscribe(server, pres, { channelData: { user_id: 'ben' } });
        await c.subscribe(server, pres, { channelData: { user_id: 'ann' } });
        const res = await rest(server, { path: `${apps}/channels/${pres}/users` });
        assert.equal(res.status, 200);
        assert.deepEqual(res.json.users.map((u) => String(u.id)).sort(), ['ann', 'ben']);
        assertError(await rest(server, { path: `${apps}/channels/${uniq('public-')}/users` }), 400);
        assertError(await rest(server, { path: `${apps}/channels/${uniq('private-')}/users` }), 400);
    });

    test('POST users/{id}/terminate_connections answers 200', T, async () => {
        const res = await rest(server, { method: 'POST', path: `${apps}/users/nobody/terminate_connections`, body: {} });
        assert.equal(res.status, 200, res.text);
        const viaSdk = await sdk(server).terminateUserConnections('nobody-else');
        assert.equal(viaSdk.status, 200);
    });

    test('bad signature → 401, and nothing is published', T, async () => {
        const ch = uniq('sig-');
        const c = await connectRaw(server);
        await c.subscribe(server, ch);
        const from = c.frames.length;
        const body = { name: 'forged', channel: ch, data: '{}' };
        assertError(await rest(server, { method: 'POST', path: `${apps}/events`, body, secret: 'wrong-secret' }), 401);
        assertError(await rest(server, { method: 'POST', path: `${apps}/events`, body, signature: 'f'.repeat(64) }), 401);
        assertError(await rest(server, { path: `${apps}/channels`, unsigned: true }), 401);
        assertError(await rest(server, { path: `${apps}/channels`, secret: 'nope' }), 401);
        await c.expectNone((x) => x.event === 'forged', { from, ms: 300 });
        // a body altered after signing
        const res = await fetch(
            server.url(`${apps}/events?${new URL((await signedUrl(server, body)).href).searchParams}`),
            { method: 'POST', body: JSON.stringify({ ...body, name: 'tampered' }), headers: { 'content-type': 'application/json' } },
        );
        assert.equal(res.status, 401);
        await c.expectNone((x) => x.event === 'tampered', { from, ms: 200 });
    });

    test('wrong auth_key → 401', T, async () => {
        // qsoketi decision (soketi does not check auth_key).
        const res = await rest(server, { path: `${apps}/channels`, key: 'not-the-app-key' });
        assertError(res, 401);
    });

    test('auth_timestamp more than 600 s away → 401; within the window → 200', T, async () => {
        // qsoketi decision (soketi does not check the timestamp).
        const now = Math.floor(Date.now() / 1000);
        assertError(await rest(server, { path: `${apps}/channels`, timestamp: now - 700 }), 401);
        assertError(await rest(server, { path: `${apps}/channels`, timestamp: now + 700 }), 401);
        assert.equal((await rest(server, { path: `${apps}/channels`, timestamp: now - 500 })).status, 200);
        assert.equal((await rest(server, { path: `${apps}/channels`, timestamp: now + 500 })).status, 200);
    });

    test('unknown app id → 404 JSON', T, async () => {
        const res = await rest(server, { path: '/apps/no-such-app/channels' });
        assertError(res, 404);
        await assert.rejects(sdk(server, { app: { id: 'no-such-app', key: APP.key, secret: APP.secret } }).trigger('c', 'e', {}), (err) => err.status === 404);
    });

    test('unknown route → 404', T, async () => {
        for (const path of ['/nope', '/apps', '/app', '/apps/']) {
            const res = await fetch(server.url(path));
            assert.equal(res.status, 404, path);
        }
        // under /apps/{id}/ the request is signed, so only the route decides
        for (const path of [`${apps}/nope`, `${apps}/channels/x/y/z`, `${apps}/events/extra`]) {
            const res = await rest(server, { path });
            assert.equal(res.status, 404, path);
        }
        assert.equal((await rest(server, { method: 'DELETE', path: `${apps}/channels` })).status, 404, 'DELETE channels');
        assert.equal((await rest(server, { method: 'GET', path: `${apps}/events` })).status, 404, 'GET events');
        const post = await fetch(server.url('/definitely/not/here'), { method: 'POST', body: '{}' });
        assert.equal(post.status, 404);
    });

    test('HTTP errors surface in the SDK as RequestError with the status', T, async () => {
        await assert.rejects(sdk(server, { secret: 'bad' }).trigger('c', 'e', {}), (err) => err.status === 401);
        await assert.rejects(sdk(server).get({ path: `/channels/${uniq('x-')}/users` }), (err) => err.status === 400);
    });
});

async function signedUrl(server, body) {
    const qs = sdk(server).createSignedQueryString({ method: 'POST', path: `${apps}/events`, body: JSON.stringify(body) });
    return new URL(`${server.url(`${apps}/events`)}?${qs}`);
}

describe('REST API rate limit', { skip: !canSpawn() && 'needs a spawned server' }, () => {
    let server;
    before(async () => {
        server = await startServer({ env: { SOKETI_DEFAULT_APP_MAX_BACKEND_EVENTS_PER_SEC: '1', SOKETI_DEFAULT_APP_MAX_READ_REQ_PER_SEC: '2' } });
    });
    after(async () => {
        await closeAllClients();
        await server?.stop();
    });

    test('backend events over 1/s → 429 with {"error","code":429}', T, async () => {
        const ch = uniq('rl-');
        const c = await connectRaw(server);
        await c.subscribe(server, ch);
        const from = c.frames.length;
        const statuses = [];
        let limited;
        for (let i = 0; i < 4; i++) {
            const r = await rest(server, { method: 'POST', path: `${apps}/events`, body: { name: 'rl', channel: ch, data: String(i) } });
            statuses.push(r.status);
            if (r.status === 429) limited = r;
        }
        assert.equal(statuses[0], 200, statuses.join(','));
        assert.ok(limited, `expected a 429 among ${statuses.join(',')}`);
        assertError(limited, 429);
        await new Promise((r) => setTimeout(r, 300));
        const delivered = c.frames.slice(from).filter((f) => f.event === 'rl').length;
        assert.equal(delivered, statuses.filter((s) => s === 200).length, 'only accepted events are delivered');
        // a new window admits events again
        await new Promise((r) => setTimeout(r, 1100));
        const ok = await rest(server, { method: 'POST', path: `${apps}/events`, body: { name: 'rl2', channel: ch, data: '{}' } });
        assert.equal(ok.status, 200, ok.text);
    });

    test('read requests over 2/s → 429', T, async () => {
        await new Promise((r) => setTimeout(r, 1100));
        const statuses = [];
        for (let i = 0; i < 5; i++) statuses.push((await rest(server, { path: `${apps}/channels` })).status);
        assert.equal(statuses[0], 200, statuses.join(','));
        assert.ok(statuses.includes(429), statuses.join(','));
    });
});

describe('REST API body size limit', { skip: !canSpawn() && 'needs a spawned server' }, () => {
    test('a request body larger than the HTTP limit → 413', T, async () => {
        // The HTTP body limit is 4 MB by default (httpApi.requestLimitInMb, SOKETI_HTTP_REQUEST_LIMIT_IN_MB);
        // here the event payload limit (SOKETI_EVENT_MAX_SIZE_IN_KB) is the one that answers 413.
        const server = await startServer({ env: { SOKETI_EVENT_MAX_SIZE_IN_KB: '4' } });
        try {
            const ok = await rest(server, { method: 'POST', path: `${apps}/events`, body: { name: 'n', channel: 'c', data: 'x'.repeat(3 * 1024) } });
            assert.equal(ok.status, 200, ok.text);
            assertError(await rest(server, { method: 'POST', path: `${apps}/events`, body: { name: 'n', channel: 'c', data: 'x'.repeat(5 * 1024) } }), 413);
            const batch = [{ name: 'n', channel: 'c', data: 'x'.repeat(5 * 1024) }];
            assertError(await rest(server, { method: 'POST', path: `${apps}/batch_events`, body: { batch } }), 413);
        } finally {
            await server.stop();
        }
    });
});

describe('REST API on a disabled app', { skip: !canSpawn() && 'needs a spawned server' }, () => {
    test('signed calls are refused with 403 and nothing is published', T, async () => {
        // qsoketi decision (soketi's HTTP API ignores `enabled`).
        const server = await startServer({ env: { SOKETI_DEFAULT_APP_ENABLED: 'false' } });
        try {
            assertError(await rest(server, { method: 'POST', path: `${apps}/events`, body: { name: 'x', channel: 'c', data: '{}' } }), 403);
            assertError(await rest(server, { path: `${apps}/channels` }), 403);
            // signature problems still come first
            assertError(await rest(server, { path: `${apps}/channels`, secret: 'bad' }), 401);
        } finally {
            await server.stop();
        }
    });
});

describe('/accept-traffic memory threshold', { skip: !canSpawn() && 'needs a spawned server' }, () => {
    test('usage above SOKETI_HTTP_ACCEPT_TRAFFIC_MEMORY_THRESHOLD → 500 {"error","code":500}', T, async () => {
        const server = await startServer({ env: { SOKETI_HTTP_ACCEPT_TRAFFIC_MEMORY_THRESHOLD: '0' } });
        try {
            const res = await fetch(server.url('/accept-traffic'));
            const body = await res.json();
            const status = REFERENCE_QUIRKS && res.status === 200 ? body.code : res.status;
            assert.equal(status, 500, JSON.stringify(body));
            assert.equal(body.code, 500);
            assert.match(body.error, /memory/i);
            // /ready is about shutdown only
            assert.equal((await fetch(server.url('/ready'))).status, 200);
        } finally {
            await server.stop();
        }
    });
});
