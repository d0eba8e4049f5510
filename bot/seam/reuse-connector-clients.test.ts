import type { ConfigurationBotFrameworkAuthentication } from "botbuilder";
import { describe, expect, it } from "vitest";
import { reuseConnectorClients } from "./botframework";

/** An authentication whose factories record every client they build; `failNext` makes one fail. */
function recordingAuth(appId: string | undefined) {
  const built: string[] = [];
  let failNext = false;
  const auth = {
    createConnectorFactory: () => ({
      appId,
      async create(serviceUrl: string, audience?: string) {
        if (failNext) {
          failNext = false;
          throw new Error("token endpoint unreachable");
        }
        built.push(`${serviceUrl} ${audience ?? ""}`);
        return { serviceUrl, audience };
      },
    }),
  };
  reuseConnectorClients(auth as unknown as ConfigurationBotFrameworkAuthentication);
  const create = (serviceUrl: string, audience?: string) =>
    (auth as unknown as ConfigurationBotFrameworkAuthentication)
      .createConnectorFactory({} as never)
      .create(serviceUrl, audience);
  return { built, create, failOnce: () => (failNext = true) };
}

describe("connector clients", () => {
  it("builds one client per service URL and audience, across turns", async () => {
    const auth = recordingAuth("bot-app-id");
    const first = await auth.create("https://smba.trafficmanager.net/emea/", "https://api.botframework.com");
    const again = await auth.create("https://smba.trafficmanager.net/emea/", "https://api.botframework.com");
    await auth.create("https://smba.trafficmanager.net/amer/", "https://api.botframework.com");
    expect(again).toBe(first);
    expect(auth.built).toEqual([
      "https://smba.trafficmanager.net/emea/ https://api.botframework.com",
      "https://smba.trafficmanager.net/amer/ https://api.botframework.com",
    ]);
  });

  it("does not keep a failed creation, and leaves a factory that names no app alone", async () => {
    const auth = recordingAuth("bot-app-id");
    auth.failOnce();
    await expect(auth.create("https://smba.example/")).rejects.toThrow("token endpoint unreachable");
    await auth.create("https://smba.example/");
    expect(auth.built).toEqual(["https://smba.example/ "]);

    const anonymous = recordingAuth(undefined);
    await anonymous.create("https://smba.example/");
    await anonymous.create("https://smba.example/");
    expect(anonymous.built).toHaveLength(2);
  });
});
