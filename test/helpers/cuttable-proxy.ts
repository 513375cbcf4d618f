import { connect, createServer, type Server, type Socket } from "node:net";
import { freePort } from "./redis-server.js";

/**
 * A TCP relay in front of the shared PostgreSQL that a test can cut, as a network fault would: every open connection
 * is destroyed and new ones are refused until it is restored. Or it can stall, as a dropped route does: connections
 * stay open (new ones are accepted) but nothing gets through either way. Only the replica under test goes through
 * it; the shared server, and every other test using it, never notice.
 */
export class CuttableProxy {
  private server: Server | undefined;
  private readonly sockets = new Set<Socket>();
  private stalled = false;

  private constructor(
    readonly port: number,
    private readonly target: { host: string; port: number },
  ) {}

  /** Relays to the host and port of `targetUrl` (a postgres:// URL). */
  static async start(targetUrl: string): Promise<CuttableProxy> {
    const url = new URL(targetUrl);
    const proxy = new CuttableProxy(await freePort(), { host: url.hostname, port: Number(url.port || 5432) });
    await proxy.restore();
    return proxy;
  }

  /** `databaseUrl` with its host and port replaced by this relay's. */
  urlFor(databaseUrl: string): string {
    const url = new URL(databaseUrl);
    url.hostname = "127.0.0.1";
    url.port = String(this.port);
    return url.toString();
  }

  get isUp(): boolean {
    return this.server !== undefined;
  }

  /** Destroys every relayed connection and stops listening: connects are refused from now on. */
  async cut(): Promise<void> {
    const server = this.server;
    if (!server) return;
    this.server = undefined;
    const closed = new Promise<void>((resolve) => server.close(() => resolve()));
    for (const socket of this.sockets) socket.destroy();
    this.sockets.clear();
    await closed;
  }

  /** Stops relaying in both directions, without closing or refusing anything: every wait is the replica's own. */
  stall(): void {
    this.stalled = true;
  }

  /** Relays again: a stall's connections are dropped (their sessions are lost), a cut's port listens again. */
  async restore(): Promise<void> {
    if (this.stalled) {
      this.stalled = false;
      for (const socket of this.sockets) socket.destroy();
      this.sockets.clear();
    }
    if (this.server) return;
    const server = createServer((client) => this.relay(client));
    await new Promise<void>((resolve, reject) => {
      server.once("error", reject);
      server.listen(this.port, "127.0.0.1", () => {
        server.off("error", reject);
        resolve();
      });
    });
    this.server = server;
  }

  close(): Promise<void> {
    this.stalled = false;
    return this.cut();
  }

  private relay(client: Socket): void {
    const upstream = connect(this.target.port, this.target.host);
    for (const socket of [client, upstream]) this.sockets.add(socket);
    const end = () => {
      for (const socket of [client, upstream]) {
        socket.destroy();
        this.sockets.delete(socket);
      }
    };
    for (const socket of [client, upstream]) {
      socket.on("error", end);
      socket.on("close", end);
    }
    // Hand-forwarded rather than piped, so a stall can swallow bytes in both directions.
    const forward = (from: Socket, to: Socket) =>
      from.on("data", (chunk) => {
        if (!this.stalled) to.write(chunk);
      });
    forward(client, upstream);
    forward(upstream, client);
  }
}
