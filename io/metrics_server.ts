/**
 * Serves `/metrics` (Prometheus text format), `/healthz` and `/readyz` over HTTP.
 *
 * @module
 */

import type { Logger } from "./logger.ts";

/** Anything that renders the Prometheus text format. */
export interface MetricsRenderer {
  render(): string;
}

/** Options for {@link serveMetrics}. */
export interface ServeMetricsOptions {
  readonly port: number;
  /** Default `0.0.0.0`, so a container can be scraped. */
  readonly hostname?: string;
  readonly metrics: MetricsRenderer;
  readonly logger: Logger;
  /**
   * Whether the job is healthy (`/healthz`: for the job, the source is in its group and the rule
   * store answers); default always.
   */
  readonly healthy?: () => boolean;
  /** Whether the job is ready (`/readyz`: the first rule snapshot is applied); default always. */
  readonly ready?: () => boolean;
}

/**
 * Starts the HTTP endpoint.
 * @returns the server; `shutdown()` stops it
 */
export function serveMetrics(options: ServeMetricsOptions): Deno.HttpServer {
  return Deno.serve({
    port: options.port,
    hostname: options.hostname ?? "0.0.0.0",
    onListen: ({ port }) => options.logger.log("info", "metrics listening", { port }),
  }, (request) => {
    const path = new URL(request.url).pathname;
    if (path === "/metrics") {
      return new Response(options.metrics.render(), {
        headers: { "content-type": "text/plain; version=0.0.4; charset=utf-8" },
      });
    }
    if (path === "/healthz") {
      const ok = options.healthy?.() ?? true;
      return new Response(ok ? "ok\n" : "unhealthy\n", { status: ok ? 200 : 503 });
    }
    if (path === "/readyz") {
      const ready = options.ready?.() ?? true;
      return new Response(ready ? "ready\n" : "not ready\n", { status: ready ? 200 : 503 });
    }
    return new Response("not found\n", { status: 404 });
  });
}
