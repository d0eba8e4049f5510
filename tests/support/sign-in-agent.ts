import { createServer } from "node:net";

// A minimal browser for sign-in tests without Chromium: a cookie jar per origin, manual redirects,
// and the test provider's login form filled in where it appears.

export interface Agent {
  /** One request with the jar's cookies; Set-Cookie answers go into the jar. Never follows redirects. */
  request(url: string, init?: RequestInit): Promise<Response>;
  /**
   * Follows redirects (and the provider's login form, as `login`) from `url` until `stop` says so or a
   * page answers. Returns the last response and its URL; a stopped URL is returned unrequested.
   */
  follow(
    url: string,
    options?: { login?: string; stop?: (url: URL) => boolean },
  ): Promise<{ url: URL; response: Response | null; body: string }>;
  cookie(origin: string, name: string): string | undefined;
  setCookie(origin: string, name: string, value: string | undefined): void;
}

export function createAgent(): Agent {
  const jar = new Map<string, Map<string, string>>();
  const cookiesOf = (origin: string) => {
    let c = jar.get(origin);
    if (!c) {
      c = new Map();
      jar.set(origin, c);
    }
    return c;
  };

  async function request(url: string, init: RequestInit = {}): Promise<Response> {
    const target = new URL(url);
    const cookies = cookiesOf(target.origin);
    const headers = new Headers(init.headers);
    if (cookies.size > 0) headers.set("cookie", [...cookies].map(([k, v]) => `${k}=${v}`).join("; "));
    const response = await fetch(target, { ...init, headers, redirect: "manual" });
    for (const line of response.headers.getSetCookie()) {
      const [pair, ...attributes] = line.split(";");
      const eq = (pair ?? "").indexOf("=");
      const name = (pair ?? "").slice(0, eq).trim();
      const value = (pair ?? "").slice(eq + 1).trim();
      const expired = attributes.some((a) => /^\s*max-age=0\s*$/i.test(a)) || value === "";
      if (expired) cookies.delete(name);
      else cookies.set(name, value);
    }
    return response;
  }

  return {
    request,
    async follow(start, options = {}) {
      let url = new URL(start);
      let init: RequestInit = {};
      for (let hop = 0; hop < 20; hop++) {
        if (options.stop?.(url)) return { url, response: null, body: "" };
        const response = await request(url.href, init);
        init = {};
        const location = response.headers.get("location");
        if (response.status >= 300 && response.status < 400 && location) {
          await response.arrayBuffer();
          url = new URL(location, url);
          continue;
        }
        const body = await response.text();
        const form = /<form[^>]*action="([^"]+)"[^>]*method="post"[^>]*>[\s\S]*?name="login"/i.exec(body);
        if (form?.[1] && options.login) {
          url = new URL(form[1].replace(/&amp;/g, "&"), url);
          init = {
            method: "POST",
            headers: { "content-type": "application/x-www-form-urlencoded" },
            body: new URLSearchParams({ prompt: "login", login: options.login, password: "any" }).toString(),
          };
          continue;
        }
        return { url, response, body };
      }
      throw new Error(`too many redirects from ${start}`);
    },
    cookie: (origin, name) => cookiesOf(origin).get(name),
    setCookie(origin, name, value) {
      if (value === undefined) cookiesOf(origin).delete(name);
      else cookiesOf(origin).set(name, value);
    },
  };
}

/** A loopback port that was free a moment ago (the dashboard's redirect URI must be known up front). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      const port = typeof address === "object" && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}
