// SPDX-License-Identifier: GPL-3.0-or-later
// A real browser: Debian's Chromium (headless, driven by playwright-core over its debugging pipe) loads
// a page served from 127.0.0.1 with the browser builds of pusher-js and Laravel Echo from npm. The page's
// auth endpoint is made with the `pusher` server SDK, as a Laravel app's /broadcasting/auth would be.
// Two users (two tabs) receive public, private and presence events; presence here/joining/leaving and
// a refused private channel are checked too.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import http from 'node:http';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';
import { APP, canSpawn, eventually, freePort, sdk, startServer } from './lib/harness.mjs';

const CHROMIUM = process.env.CHROMIUM_PATH || '/usr/bin/chromium';
// What a headless CI browser needs: no sandbox (root in CI), no GPU, and no traffic of its own
// (QUIC, background networking, component updates, sync), so only 127.0.0.1 is ever contacted.
const CHROMIUM_FLAGS = [
    '--headless',
    '--no-sandbox',
    '--disable-gpu',
    '--disable-quic',
    '--no-first-run',
    '--disable-background-networking',
    '--disable-component-update',
    '--disable-sync',
];
const here = path.dirname(fileURLToPath(import.meta.url));
const nodeModules = path.join(here, 'node_modules');
const T = { timeout: 60000 };

const USERS = {
    1: { id: '1', name: 'Taylor' },
    2: { id: '2', name: 'Abigail' },
};

function pageHtml(wsPort) {
    return `<!doctype html>
<html><head><meta charset="utf-8"><title>qsoketi browser test</title>
<script src="/js/pusher.min.js"></script>
<script src="/js/echo.iife.js"></script>
</head><body><pre id="log"></pre><script>
  const user = new URLSearchParams(location.search).get('user');
  window.received = [];
  const note = (kind, data) => {
    window.received.push({ kind, data });
    document.getElementById('log').textContent += kind + ' ' + JSON.stringify(data) + '\\n';
  };
  window.Pusher = Pusher;
  window.echo = new Echo.default({
    broadcaster: 'pusher',
    key: '${APP.key}',
    cluster: 'mt1',
    wsHost: '127.0.0.1',
    wsPort: ${wsPort},
    wssPort: ${wsPort},
    forceTLS: false,
    enabledTransports: ['ws', 'wss'],
    disableStats: true,
    authEndpoint: '/broadcasting/auth',
    auth: { headers: { 'X-Test-User': user } },
  });
  window.echo.connector.pusher.connection.bind('state_change', (s) => note('state', s.current));
  window.echo.channel('news').listen('.NewsPublished', (e) => note('public', e));
  window.echo.private('orders.' + user)
    .subscribed(() => note('private-subscribed', 'orders.' + user))
    .listen('.OrderShipped', (e) => note('private', e));
  window.echo.private('orders.999').error((e) => note('private-refused', e));
  window.echo.join('chat.1')
    .here((members) => note('here', members))
    .joining((member) => note('joining', member))
    .leaving((member) => note('leaving', member))
    .listen('.MessagePosted', (e) => note('presence', e));
</script></body></html>`;
}

// The app's web server: the page, the npm browser builds and the auth endpoint (pusher SDK).
function startWebApp(server) {
    const signer = sdk(server);
    const files = {
        '/js/pusher.min.js': path.join(nodeModules, 'pusher-js/dist/web/pusher.min.js'),
        '/js/echo.iife.js': path.join(nodeModules, 'laravel-echo/dist/echo.iife.js'),
    };
    const authRequests = [];
    const web = http.createServer((req, res) => {
        const url = new URL(req.url, 'http://127.0.0.1');
        if (url.pathname === '/') {
            res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
            res.end(pageHtml(server.port));
        } else if (url.pathname === '/favicon.ico') {
            res.writeHead(204);
            res.end();
        } else if (files[url.pathname]) {
            res.writeHead(200, { 'content-type': 'text/javascript' });
            res.end(readFileSync(files[url.pathname]));
        } else if (url.pathname === '/broadcasting/auth' && req.method === 'POST') {
            let body = '';
            req.on('data', (chunk) => (body += chunk));
            req.on('end', () => {
                const form = new URLSearchParams(body);
                const socketId = form.get('socket_id');
                const channel = form.get('channel_name');
                const user = USERS[req.headers['x-test-user']];
                authRequests.push({ channel, user: user?.id });
                // Like a Laravel channel route: users may only listen to their own orders.
                const allowed =
                    user &&
                    (channel === `private-orders.${user.id}` || channel === 'presence-chat.1');
                if (!allowed) {
                    res.writeHead(403, { 'content-type': 'application/json' });
                    res.end('{"message":"This action is unauthorized."}');
                    return;
                }
                const auth = channel.startsWith('presence-')
                    ? signer.authorizeChannel(socketId, channel, { user_id: user.id, user_info: { name: user.name } })
                    : signer.authorizeChannel(socketId, channel);
                res.writeHead(200, { 'content-type': 'application/json' });
                res.end(JSON.stringify(auth));
            });
        } else {
            res.writeHead(404);
            res.end();
        }
    });
    return new Promise((resolve) => {
        web.listen(0, '127.0.0.1', () => resolve({ web, port: web.address().port, authRequests }));
    });
}

const received = (page) => page.evaluate(() => window.received);
const has = (list, kind, pred = () => true) => list.some((e) => e.kind === kind && pred(e.data));

describe('Chromium + pusher-js + Laravel Echo', { skip: (!canSpawn() && 'needs a spawned server') || (!existsSync(CHROMIUM) && `no ${CHROMIUM} (apt-get install chromium)`) }, () => {
    let server;
    let app;
    let context;
    let userDataDir;
    const consoleErrors = [];

    before(async () => {
        server = await startServer();
        app = await startWebApp(server);
        userDataDir = mkdtempSync(path.join(tmpdir(), 'qsoketi-chromium-'));
        context = await chromium.launchPersistentContext(userDataDir, {
            executablePath: CHROMIUM,
            headless: true,
            args: CHROMIUM_FLAGS,
            timeout: 30000,
        });
    });
    after(async () => {
        await context?.close();
        if (userDataDir) rmSync(userDataDir, { recursive: true, force: true });
        await new Promise((resolve) => (app ? app.web.close(resolve) : resolve()));
        await server?.stop();
    });

    async function openAs(user) {
        const page = await context.newPage();
        page.on('console', (msg) => {
            if (msg.type() === 'error') consoleErrors.push(`${user}: ${msg.text()}`);
        });
        page.on('pageerror', (err) => consoleErrors.push(`${user}: ${err.message}`));
        await page.goto(`http://127.0.0.1:${app.port}/?user=${user}`);
        await page.waitForFunction(() => window.echo?.connector.pusher.connection.state === 'connected', null, {
            timeout: 10000,
        });
        return page;
    }

    test('public, private and presence events reach two browser users', T, async () => {
        const taylor = await openAs(1);
        await eventually(async () => has(await received(taylor), 'here'), 10000, 'presence here for user 1');
        await eventually(async () => has(await received(taylor), 'private-subscribed'), 10000, 'private subscription');
        const hereFirst = (await received(taylor)).find((e) => e.kind === 'here').data;
        assert.deepEqual(hereFirst, [{ name: 'Taylor' }]);

        const abigail = await openAs(2);
        await eventually(async () => has(await received(abigail), 'here'), 10000, 'presence here for user 2');
        await eventually(
            async () => has(await received(taylor), 'joining', (m) => m.name === 'Abigail'),
            10000,
            'joining seen by user 1',
        );
        await eventually(async () => has(await received(abigail), 'private-subscribed'), 10000, 'user 2 private');

        // The denied channel got the auth endpoint's 403 as a subscription error, in both tabs.
        await eventually(async () => has(await received(taylor), 'private-refused'), 10000, 'refused private channel');
        assert.ok(app.authRequests.some((r) => r.channel === 'private-orders.999'));

        const rest = sdk(server);
        const info = await (await rest.get({ path: '/channels/presence-chat.1', params: { info: 'user_count' } })).json();
        assert.equal(info.user_count, 2);

        await rest.trigger('news', 'NewsPublished', { title: 'qsoketi ships' });
        await rest.trigger('private-orders.1', 'OrderShipped', { order: 1 });
        await rest.trigger('private-orders.2', 'OrderShipped', { order: 2 });
        await rest.trigger('presence-chat.1', 'MessagePosted', { text: 'hello' });

        for (const [page, order] of [
            [taylor, 1],
            [abigail, 2],
        ]) {
            await eventually(
                async () => {
                    const list = await received(page);
                    return (
                        has(list, 'public', (e) => e.title === 'qsoketi ships') &&
                        has(list, 'private', (e) => e.order === order) &&
                        has(list, 'presence', (e) => e.text === 'hello')
                    );
                },
                10000,
                `events in the tab of user ${order}`,
            );
            const privates = (await received(page)).filter((e) => e.kind === 'private');
            assert.deepEqual(privates.map((e) => e.data.order), [order], 'a user only gets their own private events');
        }

        await abigail.close();
        await eventually(
            async () => has(await received(taylor), 'leaving', (m) => m.name === 'Abigail'),
            10000,
            'leaving seen by user 1',
        );
        // The only expected console errors are the 403 of the refused channel's auth request.
        const unexpected = consoleErrors.filter((e) => !/403|Forbidden|unauthorized/i.test(e));
        assert.deepEqual(unexpected, []);
        await taylor.close();
    });
});
