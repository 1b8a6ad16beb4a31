// SPDX-License-Identifier: GPL-3.0-or-later
// Issue 12: a message over SOKETI_WS_MAX_MESSAGE_SIZE_IN_KB closes the connection with close code 1009
// and a reason, and the client reads that close frame even while it is still sending (a close with
// unread bytes used to reset the connection, so the client saw 1006 instead).
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { APP, canSpawn, closeAllClients, connectRaw, raceTimeout, sleep, startServer } from './lib/harness.mjs';

const MAX_KB = 64;
const T = { timeout: 60000 };

// Handshake by hand, then a masked text frame announcing 1 MiB (64-bit length) whose payload keeps coming.
// Returns what arrived and whether the connection was reset.
async function oversizeOverRawTcp(port) {
    const socket = net.connect(port, '127.0.0.1');
    await new Promise((resolve, reject) => {
        socket.once('connect', resolve);
        socket.once('error', reject);
    });
    let received = Buffer.alloc(0);
    let reset = false;
    socket.on('data', (d) => (received = Buffer.concat([received, d])));
    socket.on('error', (e) => (reset = reset || e.code === 'ECONNRESET'));
    const ended = new Promise((resolve) => socket.once('close', resolve));
    socket.write(
        `GET /app/${APP.key}?protocol=7 HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n` +
            'Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n',
    );
    await raceTimeout(
        new Promise((resolve) => {
            const check = () => (received.includes('connection_established') ? resolve() : setTimeout(check, 10));
            check();
        }),
        5000,
    );
    const header = Buffer.alloc(14);
    header[0] = 0x81;
    header[1] = 0x80 | 127;
    header.writeBigUInt64BE(1024n * 1024n, 2);
    header.writeUInt32BE(0x01020304, 10);
    // The header and the first 256 KiB together, then more for 300 ms without reading: the server refuses
    // while bytes it has not read are queued, and whatever it sends waits in our receive queue, where a
    // reset would destroy it.
    socket.pause();
    socket.write(Buffer.concat([header, Buffer.alloc(256 * 1024, 0x61)]));
    const pump = setInterval(() => {
        if (!socket.destroyed) socket.write(Buffer.alloc(32 * 1024, 0x61));
    }, 2);
    await sleep(300);
    clearInterval(pump);
    socket.resume();
    await raceTimeout(ended, 10000);
    socket.destroy();
    return { reset, received };
}

describe('messages over the size cap', { skip: !canSpawn() && 'needs a spawned server' }, () => {
    let server;
    before(async () => {
        server = await startServer({ env: { SOKETI_WS_MAX_MESSAGE_SIZE_IN_KB: String(MAX_KB) } });
    });
    after(async () => {
        await closeAllClients();
        await server?.stop();
    });

    test('one large frame: close 1009 with a reason, every time', T, async () => {
        const codes = [];
        for (let i = 0; i < 10; i++) {
            const c = await connectRaw(server);
            // 4 MiB: the server refuses at the frame header while most of the frame is still on its way.
            c.send(JSON.stringify({ event: 'pusher:ping', data: { pad: 'x'.repeat(4 * 1024 * 1024) } }));
            const info = await raceTimeout(c.closed, 10000);
            assert.ok(info, 'the server closed the connection');
            codes.push(info.code);
            assert.equal(info.code, 1009, `close code (round ${i}: ${JSON.stringify(info)})`);
            assert.ok(info.reason.length > 0, 'the close frame has a reason');
        }
        assert.deepEqual(codes, Array(10).fill(1009));
        assert.ok(server.alive(), server.log());
    });

    test('a client that keeps sending after the cap still reads the 1009 close frame', T, async () => {
        for (let i = 0; i < 5; i++) {
            const c = await connectRaw(server);
            // A fragmented message that grows past the cap, then more frames behind it: the client is
            // mid-stream when the server refuses.
            const chunk = 'y'.repeat(16 * 1024);
            const sendMore = () => {
                for (let k = 0; k < 64 && c.isOpen; k++) c.ws.send(chunk, { fin: false });
            };
            sendMore();
            const timer = setInterval(sendMore, 5);
            const info = await raceTimeout(c.closed, 10000);
            clearInterval(timer);
            assert.ok(info, 'the server closed the connection');
            assert.equal(info.code, 1009, `close code (round ${i}: ${JSON.stringify(info)})`);
            assert.match(info.reason, /too big|exceeded|size/i);
        }
    });

    test('raw TCP: the close frame comes before the FIN, no reset', T, async () => {
        for (let i = 0; i < 5; i++) {
            const { reset, received } = await oversizeOverRawTcp(server.port);
            assert.equal(reset, false, `round ${i}: the connection was reset instead of closed`);
            // The last frame received is a close frame (opcode 8) with code 1009.
            const at = received.lastIndexOf(Buffer.from([0x88]));
            assert.ok(at >= 0, `round ${i}: a close frame arrived (got ${received.length} bytes)`);
            assert.equal(received.readUInt16BE(at + 2), 1009);
        }
    });
});
