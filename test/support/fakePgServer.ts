import { createServer, type Server, type Socket } from 'node:net';

/**
 * A TCP listener that plays the first steps of a PostgreSQL server: it answers the startup message
 * with "send me your password in clear" and records whatever password arrives. What a test aimed
 * at an attacker's server would capture.
 */
export interface FakePgServer {
  port: number;
  startups: number;
  passwords: string[];
  close(): Promise<void>;
}

function authCleartext(): Buffer {
  const b = Buffer.alloc(9);
  b.write('R', 0);
  b.writeInt32BE(8, 1);
  b.writeInt32BE(3, 5); // AuthenticationCleartextPassword
  return b;
}

function onConnection(server: FakePgServer, socket: Socket): void {
  let buffer = Buffer.alloc(0);
  let started = false;
  socket.on('error', () => undefined);
  socket.on('data', (chunk) => {
    buffer = Buffer.concat([buffer, chunk]);
    for (;;) {
      if (!started) {
        if (buffer.length < 8) return;
        const length = buffer.readInt32BE(0);
        if (buffer.length < length) return;
        const code = buffer.readInt32BE(4);
        buffer = buffer.subarray(length);
        if (code === 80877103) {
          socket.write('N'); // SSLRequest: no TLS here, go on in clear
          continue;
        }
        started = true;
        server.startups += 1;
        socket.write(authCleartext());
        continue;
      }
      if (buffer.length < 5) return;
      const length = buffer.readInt32BE(1);
      if (buffer.length < length + 1) return;
      if (buffer.toString('latin1', 0, 1) === 'p')
        server.passwords.push(buffer.toString('utf8', 5, length).replace(/\0$/, ''));
      buffer = buffer.subarray(length + 1);
      socket.destroy();
      return;
    }
  });
}

export async function startFakePgServer(): Promise<FakePgServer> {
  const sockets = new Set<Socket>();
  let tcp: Server | null = null;
  const fake: FakePgServer = {
    port: 0,
    startups: 0,
    passwords: [],
    close: () =>
      new Promise((resolve) => {
        for (const s of sockets) s.destroy();
        tcp?.close(() => resolve());
      }),
  };
  tcp = createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    onConnection(fake, socket);
  });
  await new Promise<void>((resolve) => tcp.listen(0, '127.0.0.1', resolve));
  const address = tcp.address();
  fake.port = typeof address === 'object' && address ? address.port : 0;
  return fake;
}
