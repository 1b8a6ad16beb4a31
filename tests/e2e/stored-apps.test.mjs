// SPDX-License-Identifier: GPL-3.0-or-later
// Apps in a database, as a new user meets them: `qsoketi apps add` on SQLite creates an app that a
// pusher-js client and the `pusher` SDK use at once; `qsoketi apps disable` / `rotate-secret` from another
// process reach the running server within the cache TTL, without a restart.
import { after, afterEach, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import {
    closeAllClients,
    connectPusher,
    connectRaw,
    eventually,
    isReferenceServer,
    rest,
    sdk,
    startServer,
    subscribe,
    withTimeout,
} from './lib/harness.mjs';

const run = promisify(execFile);
const T = { timeout: 30000 };
const skip = (isReferenceServer() || !process.env.QSOKETI_BINARY) && 'qsoketi only: the `qsoketi apps` command';

describe('apps stored in SQLite', { skip }, () => {
    let dir;
    let env;
    let server;
    const apps = async (...args) => {
        const { stdout } = await run(process.env.QSOKETI_BINARY, ['apps', ...args, '--json', '--show-secrets'], {
            env: { ...process.env, ...env },
        });
        return JSON.parse(stdout);
    };

    before(async () => {
        dir = fs.mkdtempSync(path.join(os.tmpdir(), 'qsoketi-stored-apps-'));
        env = {
            SOKETI_APP_MANAGER_DRIVER: 'sqlite',
            SOKETI_DB_SQLITE_PATH: path.join(dir, 'apps.sqlite'),
            SOKETI_APP_MANAGER_CACHE_ENABLED: 'true',
            SOKETI_APP_MANAGER_CACHE_TTL: '1',
        };
        server = await startServer({ env });
    });
    afterEach(closeAllClients);
    after(async () => {
        await closeAllClients();
        await server?.stop();
        fs.rmSync(dir, { recursive: true, force: true });
    });

    test('an app added with `qsoketi apps add` works at once with pusher-js and the pusher SDK', T, async () => {
        const added = await apps('add', '--enable-client-messages', 'true');
        const app = { id: added.id, key: added.key, secret: added.secret };
        assert.ok(app.id && app.key && app.secret, `apps add printed ${JSON.stringify(added)}`);

        const client = await connectPusher(server, { key: app.key, app });
        const channel = await subscribe(client, 'private-orders');
        const received = new Promise((resolve) => channel.bind('created', resolve));
        await sdk(server, { app }).trigger('private-orders', 'created', { id: 7 });
        assert.deepEqual(await withTimeout(received, 5000, 'event from the SDK'), { id: 7 });

        // The public default app is not served next to a database.
        const stranger = await connectRaw(server, { key: 'app-key', waitEstablished: false });
        assert.equal((await withTimeout(stranger.closed, 5000, 'close')).code, 4001);
    });

    test('disable and rotate-secret from another process reach the running server', T, async () => {
        const added = await apps('add');
        const app = { id: added.id, key: added.key, secret: added.secret };
        const raw = await connectRaw(server, { key: app.key });
        const channels = () => rest(server, { path: `/apps/${app.id}/channels`, app });
        assert.equal((await channels()).status, 200);

        const rotated = await apps('rotate-secret', app.id);
        assert.notEqual(rotated.secret, app.secret);
        await eventually(async () => (await channels()).status === 401, 5000, 'old secret refused');
        const fresh = { ...app, secret: rotated.secret };
        assert.equal((await rest(server, { path: `/apps/${app.id}/channels`, app: fresh })).status, 200);

        const started = Date.now();
        await apps('disable', app.id);
        const closed = await withTimeout(raw.closed, 5000, 'close after disable');
        assert.equal(closed.code, 4003);
        console.log(`# a disabled app's connection was closed ${Date.now() - started} ms after \`qsoketi apps disable\``);
        const again = await connectRaw(server, { key: app.key, waitEstablished: false });
        assert.equal((await withTimeout(again.closed, 5000, 'close')).code, 4003);
        assert.equal((await rest(server, { path: `/apps/${app.id}/channels`, app: fresh })).status, 403);
    });
});
