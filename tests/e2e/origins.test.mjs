// SPDX-License-Identifier: GPL-3.0-or-later
// Per-app allowed origins (issue 14): raw `ws` clients with forged Origin headers, an app added with
// `qsoketi apps add --allowed-origins` on SQLite, and pusher-js in Debian's Chromium from an allowed and a
// refused page origin. A refused WebSocket gets pusher:error 4009 and close 4009 after the upgrade.
import { after, afterEach, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { chromium } from 'playwright-core';
import { APP, closeAllClients, connectRaw, eventually, isReferenceServer, startServer, withTimeout } from './lib/harness.mjs';

const skip = (isReferenceServer() || !process.env.QSOKETI_BINARY) && 'qsoketi only: allowedOrigins';
const CHROMIUM = process.env.CHROMIUM_PATH || '/usr/bin/chromium';
const nodeModules = path.join(path.dirname(fileURLToPath(import.meta.url)), 'node_modules');
const servers = [];

async function start(env) {
    const server = await startServer({ env: { SOKETI_DEBUG: 'true', SOKETI_METRICS_ENABLED: 'true', ...env } });
    servers.push(server);
    return server;
}

async function refusals(server) {
    const text = await (await fetch(server.metricsUrl('/metrics'))).text();
    const line = text.split('\n').find((l) => l.startsWith('soketi_ws_origin_refused_total{'));
    return line ? Number(line.slice(line.lastIndexOf(' ') + 1)) : 0;
}

/** Opens a raw socket from `origin`: 'established', or the close code after a pusher:error. */
async function outcome(server, origin, key = APP.key) {
    const client = await connectRaw(server, { key, waitEstablished: false, wsOptions: origin ? { origin } : {} });
    const first = await client.expect(() => true, { what: 'first frame' });
    if (first.event === 'pusher:connection_established') return 'established';
    assert.equal(first.event, 'pusher:error');
    const { code } = await withTimeout(client.closed, 5000, 'close');
    assert.equal(first.dataParsed.code, code);
    return code;
}

describe('allowed origins', { skip }, () => {
    afterEach(closeAllClients);
    after(async () => {
        await closeAllClients();
        for (const s of servers) await s.stop();
    });

    test('forged Origin headers: listed and wildcard origins connect, others get 4009', { timeout: 20000 }, async () => {
        const server = await start({ SOKETI_DEFAULT_APP_ALLOWED_ORIGINS: 'https://app.example.com, https://*.example.org' });
        assert.equal(await outcome(server, 'https://app.example.com'), 'established');
        assert.equal(await outcome(server, 'https://shop.eu.example.org'), 'established');
        assert.equal(await outcome(server, undefined), 'established'); // no Origin: not a browser
        assert.equal(await refusals(server), 0);
        for (const origin of ['https://evil.test', 'https://example.org', 'http://app.example.com', 'https://app.example.com:8443', 'null'])
            assert.equal(await outcome(server, origin), 4009, origin);
        assert.equal(await refusals(server), 5);
        await eventually(() => /Origin https:\/\/evil\.test is not in the app's allowedOrigins/.test(server.log()), 3000, 'debug log line');
    });

    test('unset: every origin, as before', { timeout: 20000 }, async () => {
        const server = await start({});
        assert.equal(await outcome(server, 'https://anything.test'), 'established');
    });

    test('an app added with `qsoketi apps add --allowed-origins` on SQLite', { timeout: 30000 }, async () => {
        const dir = mkdtempSync(path.join(os.tmpdir(), 'qsoketi-origins-'));
        const env = { SOKETI_APP_MANAGER_DRIVER: 'sqlite', SOKETI_DB_SQLITE_PATH: path.join(dir, 'apps.sqlite') };
        const server = await start(env);
        const { stdout } = await promisify(execFile)(
            process.env.QSOKETI_BINARY,
            ['apps', 'add', '--allowed-origins', 'https://*.shop.test', '--json', '--show-secrets'],
            { env: { ...process.env, ...env } },
        );
        const app = JSON.parse(stdout);
        assert.equal(app.allowedOrigins, 'https://*.shop.test');
        assert.equal(await outcome(server, 'https://www.shop.test', app.key), 'established');
        assert.equal(await outcome(server, 'https://www.other.test', app.key), 4009);
        rmSync(dir, { recursive: true, force: true });
    });

    test('pusher-js in Chromium: the allowed page connects, another origin is refused', {
        timeout: 60000,
        skip: !existsSync(CHROMIUM) && `no ${CHROMIUM} (apt-get install chromium)`,
    }, async () => {
        // One web server, two origins: http://127.0.0.1:P (allowed) and http://localhost:P (not).
        let wsPort = 0;
        const web = http.createServer((req, res) => {
            if (req.url === '/pusher.min.js') {
                res.writeHead(200, { 'content-type': 'text/javascript' });
                res.end(readFileSync(path.join(nodeModules, 'pusher-js/dist/web/pusher.min.js')));
                return;
            }
            res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
            res.end(`<!doctype html><script src="/pusher.min.js"></script><script>
  window.states = []; window.errors = [];
  const pusher = new Pusher('${APP.key}', { cluster: 'mt1', wsHost: '127.0.0.1', wsPort: ${wsPort},
    forceTLS: false, enabledTransports: ['ws'], disableStats: true });
  pusher.connection.bind('state_change', (s) => window.states.push(s.current));
  pusher.connection.bind('error', (e) => window.errors.push(e?.error?.data?.code ?? e?.data?.code ?? null));
</script>`);
        });
        await new Promise((r) => web.listen(0, '127.0.0.1', r));
        const pagePort = web.address().port;
        const server = await start({ SOKETI_DEFAULT_APP_ALLOWED_ORIGINS: `http://127.0.0.1:${pagePort}` });
        wsPort = server.port;
        const userDataDir = mkdtempSync(path.join(os.tmpdir(), 'qsoketi-chromium-'));
        const context = await chromium.launchPersistentContext(userDataDir, {
            executablePath: CHROMIUM,
            headless: true,
            args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
                '--disable-background-networking', '--disable-component-update', '--disable-sync'],
            timeout: 30000,
        });
        try {
            const allowed = await context.newPage();
            await allowed.goto(`http://127.0.0.1:${pagePort}/`);
            await allowed.waitForFunction(() => window.states.includes('connected'), null, { timeout: 10000 });

            const refused = await context.newPage();
            await refused.goto(`http://localhost:${pagePort}/`);
            await eventually(async () => (await refusals(server)) === 1, 10000, 'the refusal counted');
            await refused.waitForTimeout(1500);
            const states = await refused.evaluate(() => window.states);
            assert.ok(!states.includes('connected'), `states: ${states}`);
            const errors = await refused.evaluate(() => window.errors);
            assert.ok(errors.includes(4009), `pusher-js saw ${JSON.stringify(errors)}`);
            assert.equal(await refusals(server), 1, 'pusher-js does not retry a 4009');
        } finally {
            await context.close();
            rmSync(userDataDir, { recursive: true, force: true });
            await new Promise((r) => web.close(r));
        }
    });
});
