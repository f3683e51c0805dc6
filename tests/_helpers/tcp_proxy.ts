/**
 * A TCP forwarder that can be cut and restored, to simulate a database outage when the database
 * itself cannot be stopped (a shared server named by an environment variable).
 *
 * @module
 */

/** Options for {@link TcpProxy}. */
export interface TcpProxyOptions {
  /** The local port to listen on, on 127.0.0.1. */
  readonly port: number;
  readonly upstreamHost: string;
  readonly upstreamPort: number;
}

/** Forwards 127.0.0.1:`port` to the upstream; {@link TcpProxy.stop} resets every connection. */
export class TcpProxy {
  readonly #options: TcpProxyOptions;
  #listener: Deno.TcpListener | undefined;
  #accepting: Promise<void> = Promise.resolve();
  readonly #conns = new Set<Deno.Conn>();
  readonly #pipes = new Set<Promise<void>>();

  /**
   * Creates a stopped proxy.
   * @param options ports and upstream
   */
  constructor(options: TcpProxyOptions) {
    this.#options = options;
  }

  /** Starts listening. */
  start(): void {
    if (this.#listener !== undefined) return;
    const listener = Deno.listen({ hostname: "127.0.0.1", port: this.#options.port });
    this.#listener = listener;
    this.#accepting = this.#accept(listener);
  }

  /** Stops listening and closes every forwarded connection, like a server that went away. */
  async stop(): Promise<void> {
    this.#listener?.close();
    this.#listener = undefined;
    await this.#accepting;
    for (const conn of this.#conns) close(conn);
    await Promise.all(this.#pipes);
  }

  async #accept(listener: Deno.TcpListener): Promise<void> {
    try {
      for await (const client of listener) {
        const pipe = this.#forward(client);
        this.#pipes.add(pipe);
        pipe.finally(() => this.#pipes.delete(pipe));
      }
    } catch {
      // The listener was closed by stop().
    }
  }

  async #forward(client: Deno.Conn): Promise<void> {
    this.#conns.add(client);
    let upstream: Deno.Conn | undefined;
    let pipes: Promise<void>[] = [];
    try {
      upstream = await Deno.connect({
        hostname: this.#options.upstreamHost,
        port: this.#options.upstreamPort,
      });
      this.#conns.add(upstream);
      pipes = [
        client.readable.pipeTo(upstream.writable).catch(() => {}),
        upstream.readable.pipeTo(client.writable).catch(() => {}),
      ];
      // When either side ends, end both, as a proxy that lost its peer would.
      await Promise.race(pipes);
    } catch {
      // The upstream refused: the client sees its connection closed.
    } finally {
      for (const conn of [client, upstream]) {
        if (conn === undefined) continue;
        this.#conns.delete(conn);
        close(conn);
      }
      await Promise.all(pipes);
    }
  }
}

function close(conn: Deno.Conn): void {
  try {
    conn.close();
  } catch {
    // Already closed by the other direction's pipe.
  }
}
