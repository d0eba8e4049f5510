import { describe, expect, it } from "vitest";
import { isAllowedServiceUrl } from "./service-url";

describe("service URLs a bot without a registration may call", () => {
  it.each([
    "http://127.0.0.1:3978/",
    "http://localhost:3000/emulator/connector",
    "http://[::1]:8080/",
    "https://smba.trafficmanager.net/emea/",
    "https://smba.infra.gcc.teams.microsoft.com/amer/",
    "https://webchat.botframework.com/",
  ])("allows %s", (url) => {
    expect(isAllowedServiceUrl(url)).toBe(true);
  });

  it.each([
    "https://evil.example.com/",
    "http://smba.trafficmanager.net/emea/",
    "https://smba.trafficmanager.net:8443/emea/",
    "https://evil.trafficmanager.net/",
    "https://botframework.com.evil.example/",
    "https://user:pw@smba.trafficmanager.net/",
    "http://10.0.0.5/",
    "http://169.254.169.254/latest/meta-data/",
    "file:///etc/passwd",
    "not a url",
    42,
  ])("refuses %s", (url) => {
    expect(isAllowedServiceUrl(url)).toBe(false);
  });
});
