// SPDX-License-Identifier: GPL-3.0-or-later
// §14 TLS: SOKETI_SSL_CERT + SOKETI_SSL_KEY switch the main port to wss:// and https:// (the metrics
// port stays plain HTTP). A throw-away self-signed certificate for 127.0.0.1 is made with openssl.
import { after, afterEach, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import https from 'node:https';
import { tmpdir } from 'node:os';
import path from 'node:path';
import WebSocket from 'ws';
import PusherSdk from 'pusher';
import {
    APP,
    SOCKET_ID_RE,
    canSpawn,
    closeAllClients,
    connectPusher,
    nextEvent,
    startServer,
    subscribe,
    withTimeout,
} from './lib/harness.mjs';

const T = { timeout: 30000 };

function haveOpenssl() {
    try {
        execFileSync('openssl', ['version'], { stdio: 'ignore' });
        return true;
    } catch {
        return false;
    }
}

function httpsGet(url, ca) {
    return new Promise((resolve, reject) => {
        https
            .get(url, { ca, timeout: 3000 }, (res) => {
                let body = '';
                res.setEncoding('utf8');
                res.on('data', (c) => (body += c));
                res.on('end', () => resolve({ status: res.statusCode, body }));
            })
            .on('error', reject);
    });
}

describe('TLS', { skip: (!canSpawn() && 'needs a spawned server') || (!haveOpenssl() && 'openssl not installed') }, () => {
    let dir;
    let cert;
    let server;
    before(async () => {
        dir = mkdtempSync(path.join(tmpdir(), 'qsoketi-e2e-tls-'));
        const keyFile = path.join(dir, 'key.pem');
        const certFile = path.join(dir, 'cert.pem');
        execFileSync('openssl', [
            'req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '2',
            '-keyout', keyFile, '-out', certFile,
            '-subj', '/CN=127.0.0.1', '-addext', 'subjectAltName=IP:127.0.0.1',
        ], { stdio: 'ignore' });
        cert = readFileSync(certFile);
        server = await startServer({ env: { SOKETI_SSL_CERT: certFile, SOKETI_SSL_KEY: keyFile } });
    });
    afterEach(closeAllClients);
    after(async () => {
        await closeAllClients();
        await server?.stop();
        if (dir) rmSync(dir, { recursive: true, force: true });
    });

    test('https: GET / answers OK with the configured certificate; plain http is refused', T, async () => {
        const res = await httpsGet(`https://127.0.0.1:${server.port}/`, cert);
        assert.equal(res.status, 200);
        assert.equal(res.body.trim(), 'OK');
        const plain = await fetch(`http://127.0.0.1:${server.port}/`, { signal: AbortSignal.timeout(2000) }).then(
            (r) => r.status,
            () => 'failed',
        );
        assert.notEqual(plain, 200);
    });

    test('wss: connection_established over TLS (ws, certificate verified)', T, async () => {
        const ws = new WebSocket(`wss://127.0.0.1:${server.port}/app/${APP.key}?protocol=7`, { ca: cert });
        const first = await withTimeout(
            new Promise((resolve, reject) => {
                ws.once('message', (d) => resolve(JSON.parse(d.toString())));
                ws.once('error', reject);
            }),
            5000,
            'first frame over wss',
        );
        ws.close();
        assert.equal(first.event, 'pusher:connection_established');
        assert.match(JSON.parse(first.data).socket_id, SOCKET_ID_RE);
    });

    test('wss: a message larger than one read step (16 KiB) arrives whole', T, async () => {
        const ws = new WebSocket(`wss://127.0.0.1:${server.port}/app/${APP.key}?protocol=7`, { ca: cert });
        const frames = [];
        const pong = withTimeout(
            new Promise((resolve, reject) => {
                ws.on('message', (d) => {
                    const frame = JSON.parse(d.toString());
                    frames.push(frame.event);
                    if (frame.event === 'pusher:connection_established')
                        ws.send(JSON.stringify({ event: 'pusher:ping', data: { pad: 'x'.repeat(600 * 1024) } }));
                    if (frame.event === 'pusher:pong') resolve();
                });
                ws.once('error', reject);
            }),
            10000,
            `pong to a 600 KB ping over wss (got ${frames})`,
        );
        await pong;
        ws.close();
    });

    test('pusher-js (forceTLS) and the SDK (useTLS) talk to the server over TLS', T, async () => {
        // pusher-js's node transport takes no TLS options: trust the test certificate process-wide.
        process.env.NODE_TLS_REJECT_UNAUTHORIZED = '0';
        try {
            const client = await connectPusher(server, { options: { forceTLS: true, wssPort: server.port } });
            const channel = await subscribe(client, 'private-tls');
            const sdk = new PusherSdk({
                appId: APP.id, key: APP.key, secret: APP.secret, host: '127.0.0.1', port: String(server.port), useTLS: true,
                agent: new https.Agent({ ca: cert }),
            });
            const got = nextEvent(channel, 'secure');
            await sdk.trigger('private-tls', 'secure', { over: 'tls' });
            assert.deepEqual(await got, { over: 'tls' });
        } finally {
            delete process.env.NODE_TLS_REJECT_UNAUTHORIZED;
        }
    });

    test('the metrics port stays plain HTTP', T, async () => {
        const res = await fetch(server.metricsUrl('/'), { signal: AbortSignal.timeout(2000) });
        assert.equal(res.status, 200);
    });
});
