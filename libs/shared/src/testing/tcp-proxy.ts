import { AddressInfo, Server, Socket, createConnection, createServer } from 'node:net';

/** A real TCP hop to a service (PostgreSQL, Redis) that a test can cut and restore, as a network failure would. */
export class TcpProxy {
  private server: Server | undefined;
  private readonly sockets = new Set<Socket>();
  private isCut = false;
  port = 0;

  constructor(
    private readonly targetPort: number,
    private readonly targetHost = '127.0.0.1',
  ) {}

  /** Listens (again, on the same port after stop()) and lets connections through. */
  async start(): Promise<void> {
    this.isCut = false;
    this.server = createServer((client) => {
      if (this.isCut) {
        client.destroy();
        return;
      }
      const upstream = createConnection({ host: this.targetHost, port: this.targetPort });
      for (const [socket, peer] of [
        [client, upstream],
        [upstream, client],
      ]) {
        this.sockets.add(socket);
        // One side gone (a killed process's socket is reset, not ended) closes the other, as it would without
        // the hop: otherwise PostgreSQL keeps a dead client's transaction open, holding its locks.
        socket.on('close', () => {
          this.sockets.delete(socket);
          peer.destroy();
        });
        socket.on('error', () => undefined);
      }
      client.pipe(upstream).pipe(client);
    });
    await new Promise<void>((resolve) => this.server!.listen(this.port, '127.0.0.1', resolve));
    this.port = (this.server!.address() as AddressInfo).port;
  }

  /** Drops every open connection and refuses new ones until restore(). */
  cut(): void {
    this.isCut = true;
    for (const socket of this.sockets) socket.destroy();
  }

  restore(): void {
    this.isCut = false;
  }

  async stop(): Promise<void> {
    this.cut();
    await new Promise<void>((resolve) => this.server?.close(() => resolve()));
  }
}
