// SPDX-License-Identifier: GPL-3.0-or-later
// End-to-end harness: starts the server under test on free loopback ports and gives the tests
// real clients (pusher-js, the `pusher` server SDK, raw `ws` sockets, signed REST requests).
//
// Which server is driven:
//   QSOKETI_BINARY=/path/qsoketi     spawn `<binary> start --no-gui` (what CTest does)
//   E2E_SERVER_CMD="node …/server.js start"
//                                    spawn this command instead (used to validate the tests
//                                    against the reference soketi 1.6.1); it gets the same env
//   E2E_SERVER_PORT=6001 [E2E_METRICS_PORT=9601]
//                                    use an already running server (default app only); tests
//                                    that need their own env or signals are skipped
import { spawn } from 'node:child_process';
import crypto from 'node:crypto';
import net from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import PusherJs from 'pusher-js';
import PusherSdk from 'pusher';
import WebSocket from 'ws';

export const APP = Object.freeze({ id: 'app-id', key: 'app-key', secret: 'app-secret' });
export const SOCKET_ID_RE = /^\d+\.\d+$/;

const children = new Set();
process.on('exit', () => {
    for (const child of children) {
        try {
            child.kill('SIGKILL');
        } catch {
            // already gone
        }
    }
});

/** A TCP port that was free a moment ago (bind to port 0 and read it back). */
export async function freePort(host = '127.0.0.1') {
    return new Promise((resolve, reject) => {
        const srv = net.createServer();
        srv.unref();
        srv.on('error', reject);
        srv.listen(0, host, () => {
            const { port } = srv.address();
            srv.close(() => resolve(port));
        });
    });
}

/** True when the tests drive a server they did not start (so they cannot set env or send signals). */
export function usingExternalServer() {
    return Boolean(process.env.E2E_SERVER_PORT);
}

/** True when a test that needs a private server instance (own env, signals) can run. */
export function canSpawn() {
    return !usingExternalServer();
}

/** True when the server under test is the reference soketi (qsoketi-only checks may be relaxed there). */
export function isReferenceServer() {
    return Boolean(process.env.E2E_SERVER_CMD) || usingExternalServer();
}

/**
 * Validation aid for running this suite against the reference soketi: with E2E_REFERENCE_QUIRKS=1,
 * `rest()` reports the `code` of a JSON error body as the status when soketi answered 200 by
 * accident, so the rest of each test can still be checked. Never set it for qsoketi.
 */
export const REFERENCE_QUIRKS = process.env.E2E_REFERENCE_QUIRKS === '1';

function serverCommand() {
    if (process.env.E2E_SERVER_CMD) {
        const parts = process.env.E2E_SERVER_CMD.split(/\s+/).filter(Boolean);
        return { file: parts[0], args: parts.slice(1) };
    }
    const binary = process.env.QSOKETI_BINARY;
    if (!binary) {
        throw new Error('QSOKETI_BINARY is not set (path to the built qsoketi binary)');
    }
    return { file: binary, args: ['start', '--no-gui'] };
}

async function httpOk(url) {
    if (url.startsWith('https:')) {
        // TLS mode (self-signed test certificate): only liveness matters here.
        const https = await import('node:https');
        return new Promise((resolve) => {
            const req = https.get(url, { rejectUnauthorized: false, timeout: 1000 }, (res) => {
                res.resume();
                resolve(res.statusCode === 200);
            });
            req.on('error', () => resolve(false));
            req.on('timeout', () => {
                req.destroy();
                resolve(false);
            });
        });
    }
    try {
        const res = await fetch(url, { signal: AbortSignal.timeout(1000) });
        await res.text();
        return res.status === 200;
    } catch {
        return false;
    }
}

/**
 * Starts a server with the default app and the given extra SOKETI_* env.
 * Returns {port, metricsPort, proc, url(path), metricsUrl(path), stop(), log(), exited}.
 * `command` ({file, args}) starts that server instead of the one under test.
 */
export async function startServer({ env = {}, args = [], startTimeoutMs = 20000, port: fixedPort, metricsPort: fixedMetricsPort, cwd, host = '127.0.0.1', command } = {}) {
    if (usingExternalServer()) {
        if (Object.keys(env).length > 0 || args.length > 0) {
            throw new Error('startServer: custom env/args need a spawned server (unset E2E_SERVER_PORT)');
        }
        const port = Number(process.env.E2E_SERVER_PORT);
        const metricsPort = Number(process.env.E2E_METRICS_PORT || 9601);
        return makeHandle({ port, metricsPort, proc: null, logLines: [], exited: new Promise(() => {}) });
    }
    const port = fixedPort ?? (await freePort(host));
    // Each probe closes its port again, so the next one may be handed the same number: ask until distinct.
    let metricsPort = fixedMetricsPort;
    while (metricsPort === undefined || (fixedMetricsPort === undefined && metricsPort === port)) {
        metricsPort = await freePort();
    }
    let clusterPort;
    while (clusterPort === undefined || clusterPort === port || clusterPort === metricsPort) {
        clusterPort = await freePort();
    }
    // `command` ({file, args}): another server than the one under test (the mixed soketi cluster test).
    const { file, args: baseArgs } = command ?? serverCommand();
    const childEnv = {
        ...process.env,
        SOKETI_HOST: host,
        SOKETI_PORT: String(port),
        SOKETI_METRICS_HOST: '127.0.0.1',
        SOKETI_METRICS_SERVER_PORT: String(metricsPort),
        // Only for the reference soketi: keep its UDP discovery on loopback (qsoketi warns about them).
        ...(process.env.E2E_SERVER_CMD
            ? { SOKETI_CLUSTER_UNICAST_ADDRESSES: '127.0.0.1', SOKETI_CLUSTER_PORT: String(clusterPort) }
            : {}),
        // Fast stop by default; the shutdown tests set their own value.
        SOKETI_SHUTDOWN_GRACE_PERIOD: '200',
        QT_QPA_PLATFORM: 'offscreen',
        ...env,
    };
    const proc = spawn(file, [...baseArgs, ...args], { env: childEnv, cwd, stdio: ['ignore', 'pipe', 'pipe'] });
    children.add(proc);
    const logLines = [];
    const collect = (stream) => {
        let buf = '';
        stream.setEncoding('utf8');
        stream.on('data', (chunk) => {
            buf += chunk;
            let nl;
            while ((nl = buf.indexOf('\n')) >= 0) {
                logLines.push(buf.slice(0, nl));
                buf = buf.slice(nl + 1);
                if (logLines.length > 400) logLines.shift();
            }
        });
    };
    collect(proc.stdout);
    collect(proc.stderr);
    const exited = new Promise((resolve) => {
        proc.on('exit', (code, signal) => {
            children.delete(proc);
            resolve({ code, signal });
        });
    });
    let spawnError = null;
    proc.on('error', (err) => {
        spawnError = err;
    });
    const tls = Boolean(childEnv.SOKETI_SSL_CERT);
    const handle = makeHandle({ port, metricsPort, proc, logLines, exited, tls, host });
    const deadline = Date.now() + startTimeoutMs;
    while (Date.now() < deadline) {
        if (spawnError) throw new Error(`cannot spawn ${file}: ${spawnError.message}`);
        if (proc.exitCode !== null || proc.signalCode !== null) {
            throw new Error(`server exited during start-up (${proc.exitCode ?? proc.signalCode}):\n${logLines.join('\n')}`);
        }
        if (await httpOk(handle.url(`${childEnv.SOKETI_PATH_PREFIX ?? ''}/`))) return handle;
        if (tls && (await httpOk(`http://${handle.host}:${port}/`))) {
            proc.kill('SIGKILL');
            throw new Error('SOKETI_SSL_CERT is set but the server answers plain HTTP on its main port');
        }
        await sleep(50);
    }
    proc.kill('SIGKILL');
    throw new Error(`server did not answer GET / within ${startTimeoutMs} ms:\n${logLines.join('\n')}`);
}

function makeHandle({ port, metricsPort, proc, logLines, exited, tls = false, host = '127.0.0.1' }) {
    const urlHost = host.includes(':') ? `[${host}]` : host;
    return {
        port,
        metricsPort,
        proc,
        exited,
        tls,
        host: urlHost,
        url: (path = '/') => `${tls ? 'https' : 'http'}://${urlHost}:${port}${path}`,
        metricsUrl: (path = '/') => `http://127.0.0.1:${metricsPort}${path}`,
        log: () => logLines.join('\n'),
        alive: () => proc === null || (proc.exitCode === null && proc.signalCode === null),
        async stop(timeoutMs = 8000) {
            if (!proc) return null;
            if (proc.exitCode !== null || proc.signalCode !== null) return exited;
            proc.kill('SIGTERM');
            const result = await raceTimeout(exited, timeoutMs);
            if (result === null) {
                proc.kill('SIGKILL');
                return exited;
            }
            return result;
        },
    };
}

// ---------------------------------------------------------------------------------------------
// Timing helpers

/** Resolves with the promise's value, or with `fallback` after ms (the timer is always cleared). */
export function raceTimeout(promise, ms, fallback = null) {
    let timer;
    const timeout = new Promise((resolve) => {
        timer = setTimeout(() => resolve(fallback), ms);
    });
    return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

export function withTimeout(promise, ms, what) {
    let timer;
    const timeout = new Promise((_, reject) => {
        timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms waiting for ${what}`)), ms);
    });
    return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

/** Resolves with the payload (first argument) of the next `event` emitted by a pusher-js Channel / connection / user. */
export function nextEvent(emitter, event, ms = 5000) {
    return withTimeout(
        new Promise((resolve) => {
            const handler = (data) => {
                emitter.unbind(event, handler);
                resolve(data);
            };
            emitter.bind(event, handler);
        }),
        ms,
        `event ${event}`,
    );
}

/** Collects every payload of `event` on a pusher-js emitter into an array. */
export function collectEvents(emitter, event) {
    const list = [];
    emitter.bind(event, (data) => list.push(data));
    return list;
}

/** Polls `cond` until it returns truthy (its value is returned) or the time is up. */
export async function eventually(cond, ms = 5000, what = 'condition', step = 25) {
    const deadline = Date.now() + ms;
    let last;
    while (Date.now() < deadline) {
        last = await cond();
        if (last) return last;
        await sleep(step);
    }
    throw new Error(`timed out after ${ms} ms waiting for ${what} (last value: ${JSON.stringify(last)})`);
}

export { sleep };

// ---------------------------------------------------------------------------------------------
// Server SDK and authorization built with it (no HTTP auth endpoint needed)

export const ENCRYPTION_MASTER_KEY_BASE64 = Buffer.alloc(32, 7).toString('base64');

export function sdk(server, { app = APP, encryption = false, ...rest } = {}) {
    return new PusherSdk({
        appId: app.id,
        key: app.key,
        secret: app.secret,
        host: server.host ?? '127.0.0.1',
        port: String(server.port),
        useTLS: false,
        timeout: 5000,
        ...(encryption ? { encryptionMasterKeyBase64: ENCRYPTION_MASTER_KEY_BASE64 } : {}),
        ...rest,
    });
}

/**
 * pusher-js `channelAuthorization.customHandler` that signs with the SDK, as a Laravel/Express
 * auth endpoint would. `presence(socketId, channel)` returns the presence data for a socket.
 */
export function channelAuthHandler(server, { presence, encryption = true, app = APP, deny = () => false } = {}) {
    const signer = sdk(server, { app, encryption });
    return ({ socketId, channelName }, callback) => {
        try {
            if (deny(channelName)) {
                callback(new Error(`denied ${channelName}`), null);
                return;
            }
            const presenceData = channelName.startsWith('presence-')
                ? (presence?.(socketId, channelName) ?? { user_id: `u-${socketId}` })
                : undefined;
            callback(null, signer.authorizeChannel(socketId, channelName, presenceData));
        } catch (err) {
            callback(err, null);
        }
    };
}

/** pusher-js `userAuthentication.customHandler` built with the SDK's authenticateUser. */
export function userAuthHandler(server, userData, { app = APP } = {}) {
    const signer = sdk(server, { app });
    return ({ socketId }, callback) => {
        try {
            const data = typeof userData === 'function' ? userData(socketId) : userData;
            callback(null, signer.authenticateUser(socketId, data));
        } catch (err) {
            callback(err, null);
        }
    };
}

// ---------------------------------------------------------------------------------------------
// pusher-js clients

const openClients = new Set();
const rawPusherSockets = new Set();

/**
 * A connected pusher-js client (node build). Resolves once the state is `connected`.
 * `user` = user data for signin(); `presence` = presence data builder.
 */
export async function connectPusher(server, { key = APP.key, user, presence, app = APP, timeoutMs = 5000, options = {} } = {}) {
    const client = new PusherJs(key, {
        cluster: 'mt1',
        wsHost: '127.0.0.1',
        wsPort: server.port,
        forceTLS: false,
        enabledTransports: ['ws'],
        disableStats: true,
        channelAuthorization: { customHandler: channelAuthHandler(server, { presence, app }) },
        ...(user ? { userAuthentication: { customHandler: userAuthHandler(server, user, { app }) } } : {}),
        ...options,
    });
    openClients.add(client);
    // Remember every underlying socket: pusher-js's bundled WebSocket client arms a 30 s close
    // timer when it closes a socket the server already closed (e.g. after a 4009), which would
    // keep the test process alive for nothing; closeAllClients() unrefs those timers.
    client.connection.bind('connected', () => {
        const socket = client.connection.connection?.transport?.socket;
        if (socket) rawPusherSockets.add(socket);
    });
    if (client.connection.state !== 'connected') {
        await withTimeout(
            new Promise((resolve, reject) => {
                client.connection.bind('connected', resolve);
                client.connection.bind('failed', () => reject(new Error('pusher-js connection failed')));
            }),
            timeoutMs,
            'pusher-js connected',
        );
    }
    return client;
}

/** Subscribes with pusher-js and waits for pusher:subscription_succeeded (rejects on subscription_error). */
export async function subscribe(client, channelName, ms = 5000) {
    const channel = client.subscribe(channelName);
    if (channel.subscribed) return channel;
    await withTimeout(
        new Promise((resolve, reject) => {
            channel.bind('pusher:subscription_succeeded', resolve);
            channel.bind('pusher:subscription_error', (err) =>
                reject(new Error(`subscription_error on ${channelName}: ${JSON.stringify(err)}`)),
            );
        }),
        ms,
        `subscription to ${channelName}`,
    );
    return channel;
}

// ---------------------------------------------------------------------------------------------
// Raw WebSocket clients (exact frames)

const openRaw = new Set();

export class RawClient {
    constructor(ws) {
        this.ws = ws;
        this.frames = [];
        this.rawFrames = [];
        this.waiters = [];
        this.socketId = null;
        this.closeInfo = null;
        this.closed = new Promise((resolve) => {
            ws.on('close', (code, reason) => {
                this.closeInfo = { code, reason: reason.toString() };
                resolve(this.closeInfo);
                this._wake();
            });
        });
        ws.on('error', () => {});
        ws.on('message', (data, isBinary) => {
            const text = isBinary ? Buffer.from(data).toString('utf8') : data.toString();
            this.rawFrames.push(text);
            let frame;
            try {
                frame = JSON.parse(text);
            } catch {
                frame = { unparsable: text };
            }
            // Pusher frames carry `data` as a JSON string for most events; keep both forms.
            if (typeof frame.data === 'string') {
                try {
                    frame.dataParsed = JSON.parse(frame.data);
                } catch {
                    frame.dataParsed = frame.data;
                }
            } else {
                frame.dataParsed = frame.data;
            }
            this.frames.push(frame);
            this._wake();
        });
    }

    _wake() {
        for (const w of [...this.waiters]) w();
    }

    send(obj) {
        this.ws.send(typeof obj === 'string' || Buffer.isBuffer(obj) ? obj : JSON.stringify(obj));
    }

    /** Waits for a frame (received at index >= from) matching pred; returns it. */
    async expect(pred, { ms = 5000, from = 0, what = 'frame' } = {}) {
        const match = typeof pred === 'string' ? (f) => f.event === pred : pred;
        const what2 = typeof pred === 'string' ? pred : what;
        let cleanup;
        try {
            return await withTimeout(
                new Promise((resolve, reject) => {
                    const check = () => {
                        for (let i = from; i < this.frames.length; i++) {
                            if (match(this.frames[i])) {
                                resolve(this.frames[i]);
                                return;
                            }
                        }
                        if (this.closeInfo) {
                            reject(new Error(`socket closed (${this.closeInfo.code}) while waiting for ${what2}; frames: ${JSON.stringify(this.frames.slice(from))}`));
                        }
                    };
                    this.waiters.push(check);
                    cleanup = () => {
                        this.waiters = this.waiters.filter((w) => w !== check);
                    };
                    check();
                }),
                ms,
                `${what2} (got ${JSON.stringify(this.frames.slice(from)).slice(0, 600)})`,
            );
        } finally {
            cleanup?.();
        }
    }

    /** Asserts that no frame matching pred arrives within ms (starting at index from). */
    async expectNone(pred, { ms = 500, from = 0 } = {}) {
        await sleep(ms);
        const found = this.frames.slice(from).find(pred);
        if (found) throw new Error(`unexpected frame ${JSON.stringify(found)}`);
    }

    /** Sends a subscribe (signing private/presence channels with the SDK) and returns the reply frame. */
    async subscribe(server, channel, { channelData, app = APP, auth, ms = 5000 } = {}) {
        const from = this.frames.length;
        const data = { channel };
        if (auth !== undefined) {
            data.auth = auth;
            if (channelData !== undefined) data.channel_data = JSON.stringify(channelData);
        } else if (/^(private-|presence-)/.test(channel)) {
            const signed = sdk(server, { app, encryption: true }).authorizeChannel(this.socketId, channel, channelData);
            data.auth = signed.auth;
            if (signed.channel_data) data.channel_data = signed.channel_data;
        }
        this.send({ event: 'pusher:subscribe', data });
        return this.expect(
            (f) => f.channel === channel && /subscription_(succeeded|error)$/.test(f.event ?? ''),
            { ms, from, what: `subscription reply for ${channel}` },
        );
    }

    close() {
        try {
            this.ws.close();
        } catch {
            // ignore
        }
    }

    terminate() {
        try {
            this.ws.terminate();
        } catch {
            // ignore
        }
    }

    get isOpen() {
        return this.ws.readyState === WebSocket.OPEN;
    }
}

/**
 * Opens a raw WebSocket on /app/{key}. With waitEstablished (default) resolves once
 * pusher:connection_established arrived and sets client.socketId.
 */
export async function connectRaw(server, { key = APP.key, waitEstablished = true, ms = 5000, query = '?protocol=7&client=js&version=8.6.0&flash=false', wsOptions = {} } = {}) {
    const ws = new WebSocket(`ws://${server.host ?? '127.0.0.1'}:${server.port}/app/${key}${query}`, { maxPayload: 256 * 1024 * 1024, ...wsOptions });
    const client = new RawClient(ws);
    openRaw.add(client);
    await withTimeout(
        new Promise((resolve, reject) => {
            ws.once('open', resolve);
            ws.once('error', reject);
            ws.once('unexpected-response', (_req, res) => reject(new Error(`upgrade refused: HTTP ${res.statusCode}`)));
        }),
        ms,
        'WebSocket open',
    );
    if (waitEstablished) {
        const est = await client.expect('pusher:connection_established', { ms });
        client.socketId = est.dataParsed.socket_id;
    }
    return client;
}

/** Closes every pusher-js and raw client opened so far (call in afterEach/after). */
export async function closeAllClients() {
    for (const c of openClients) {
        try {
            c.disconnect();
        } catch {
            // ignore
        }
    }
    openClients.clear();
    setImmediate(() => {
        for (const socket of rawPusherSockets) socket._closeTimer?.unref?.();
    });
    const closing = [];
    for (const r of openRaw) {
        r.close();
        closing.push(raceTimeout(r.closed, 500).then(() => r.terminate()));
    }
    openRaw.clear();
    await Promise.all(closing);
}

// ---------------------------------------------------------------------------------------------
// Signed REST requests (Pusher HTTP API auth), with knobs to break the signature on purpose

export function md5(text) {
    return crypto.createHash('md5').update(text, 'utf8').digest('hex');
}

export function hmac(secret, text) {
    return crypto.createHmac('sha256', secret).update(text, 'utf8').digest('hex');
}

/**
 * Sends a signed request. Options: method, path (full, e.g. /apps/app-id/events), params (extra
 * query params), body (object or raw string), app, key (auth_key override), secret (signing
 * secret override), timestamp (seconds), signature (override), unsigned (no auth params at all).
 * Returns {status, headers, text, json}.
 */
export async function rest(server, { method = 'GET', path, params = {}, body, app = APP, key, secret, timestamp, signature, unsigned = false } = {}) {
    const rawBody = body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body);
    let query = { ...params };
    if (!unsigned) {
        query = {
            auth_key: key ?? app.key,
            auth_timestamp: String(timestamp ?? Math.floor(Date.now() / 1000)),
            auth_version: '1.0',
            ...query,
        };
        if (rawBody !== undefined) query.body_md5 = md5(rawBody);
        const toSign = `${method}\n${path}\n${Object.keys(query)
            .sort()
            .map((k) => `${k}=${query[k]}`)
            .join('&')}`;
        query.auth_signature = signature ?? hmac(secret ?? app.secret, toSign);
    }
    const qs = new URLSearchParams(query).toString();
    const res = await fetch(`${server.url(path)}${qs ? `?${qs}` : ''}`, {
        method,
        body: rawBody,
        headers: rawBody !== undefined ? { 'content-type': 'application/json' } : {},
        signal: AbortSignal.timeout(10000),
    });
    const text = await res.text();
    let json;
    try {
        json = JSON.parse(text);
    } catch {
        json = undefined;
    }
    let status = res.status;
    if (REFERENCE_QUIRKS && status === 200 && json && typeof json.code === 'number' && typeof json.error === 'string') {
        status = json.code;
    }
    return { status, headers: res.headers, text, json };
}

/** Triggers an event through the SDK and returns the parsed JSON answer. */
export async function trigger(server, channels, event, data, params) {
    const res = await sdk(server).trigger(channels, event, data, params);
    return res.json();
}
