import type { AddressInfo } from "node:net";
import { type ServerType, serve } from "@hono/node-server";

/** Serves `fetch` on a random port of 127.0.0.1 until close(). */
export async function listen(fetch: (req: Request) => Response | Promise<Response>) {
  const server: ServerType = await new Promise((resolve) => {
    const s = serve({ fetch, port: 0, hostname: "127.0.0.1" }, () => resolve(s));
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        (server as { closeAllConnections?: () => void }).closeAllConnections?.();
        server.close(() => resolve());
      }),
  };
}
