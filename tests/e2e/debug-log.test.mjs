// SPDX-License-Identifier: GPL-3.0-or-later
// Issue 12: with SOKETI_DEBUG=1 the log says what was refused and why, one line each: subscription errors
// with the channel and the reason (for a bad signature the string that should have been signed), refused
// client events (4301 and why), REST 401/403 reasons. The app secret never appears in it.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { APP, canSpawn, closeAllClients, connectRaw, eventually, rest, startServer } from './lib/harness.mjs';

const SECRET = 's3cr3t-never-logged-7f1c9a';
const app = { ...APP, secret: SECRET };
const T = { timeout: 30000 };

/** Waits for a log line holding every one of `parts` and returns it. */
function logLine(server, ...parts) {
    return eventually(
        () => server.log().split('\n').find((line) => parts.every((p) => line.includes(p))),
        5000,
        `a log line with ${JSON.stringify(parts)}; log:\n${server.log()}`,
    );
}

describe('SOKETI_DEBUG explains refusals', { skip: !canSpawn() && 'needs a spawned server' }, () => {
    let server;
    let disabled;
    before(async () => {
        const env = { SOKETI_DEBUG: '1', SOKETI_DEFAULT_APP_SECRET: SECRET };
        server = await startServer({ env });
        disabled = await startServer({ env: { ...env, SOKETI_DEFAULT_APP_ENABLED: 'false' } });
    });
    after(async () => {
        await closeAllClients();
        await server?.stop();
        await disabled?.stop();
        for (const s of [server, disabled]) {
            assert.ok(!s.log().includes(SECRET), `the secret appears in the log:\n${s.log()}`);
        }
    });

    test('a subscription with a wrong signature: channel, reason and the string to sign', T, async () => {
        const c = await connectRaw(server);
        const reply = await c.subscribe(server, 'private-dbg', { app, auth: `${APP.key}:${'0'.repeat(64)}` });
        assert.equal(reply.event, 'pusher:subscription_error');
        const line = await logLine(server, 'refused subscription of', c.socketId, '"private-dbg"', '(401 AuthError)');
        assert.ok(line.includes(`the signed string should be "${c.socketId}:private-dbg"`), line);
    });

    test('a refused channel name is quoted and escaped on one line', T, async () => {
        const c = await connectRaw(server);
        const reply = await c.subscribe(server, 'bad\nname');
        assert.equal(reply.event, 'pusher:subscription_error');
        const line = await logLine(server, 'refused subscription of', c.socketId, '"bad\\nname"', '(4009)');
        assert.match(line, /channel name is not allowed/);
    });

    test('a refused client event: 4301 and why', T, async () => {
        const c = await connectRaw(server);
        await c.subscribe(server, 'private-dbg-events', { app });
        c.send({ event: 'client-typing', channel: 'private-dbg-events', data: {} });
        await c.expect((f) => f.event === 'pusher:error' && f.dataParsed?.code === 4301);
        const line = await logLine(server, 'refused client event "client-typing" of', c.socketId, '"private-dbg-events" (4301)');
        assert.match(line, /client messaging enabled/);
    });

    test('REST: a wrong signature (401) with the string that should have been signed', T, async () => {
        const res = await rest(server, {
            method: 'POST',
            path: `/apps/${APP.id}/events`,
            body: { name: 'e', channel: 'c', data: '{}' },
            app,
            signature: '0'.repeat(64),
        });
        assert.equal(res.status, 401);
        const line = await logLine(server, `refused POST "/apps/${APP.id}/events" (401): The secret authentication failed`);
        assert.ok(line.includes(`the signed string should be "POST\\n/apps/${APP.id}/events\\nauth_key=${APP.key}&`), line);
    });

    test('REST: refused before the body is read (401, wrong key)', T, async () => {
        const res = await rest(server, { path: `/apps/${APP.id}/channels`, app, key: 'not-the-key' });
        assert.equal(res.status, 401);
        await logLine(server, `refused GET "/apps/${APP.id}/channels" (401): The auth_key does not belong to this app.`);
    });

    test('REST: a disabled app (403)', T, async () => {
        const res = await rest(disabled, { path: `/apps/${APP.id}/channels`, app });
        assert.equal(res.status, 403);
        await logLine(disabled, `refused GET "/apps/${APP.id}/channels" (403): The app is not enabled.`);
    });

    test('every refusal is one line and none holds the secret', T, async () => {
        const lines = [server, disabled].flatMap((s) => s.log().split('\n')).filter((l) => l.includes('refused'));
        assert.ok(lines.length >= 6, lines.join('\n'));
        for (const line of lines) {
            assert.ok(!line.includes(SECRET), line);
            assert.match(line, /^\d{4}-\d\d-\d\dT\S+ debug qsoketi\./, `one whole log line: ${line}`);
        }
    });
});
