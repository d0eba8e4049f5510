/**
 * Where a bot without a registration (demo) may send replies. Without Bot Framework authentication
 * anyone can POST an activity, and its `serviceUrl` decides where the bot's connector calls go: only
 * this machine (the built-in emulator, test connectors) and Microsoft's Bot Connector hosts qualify.
 */
// Not `*.trafficmanager.net`: anyone can create a Traffic Manager profile there.
const MICROSOFT_HOSTS = new Set(["smba.trafficmanager.net"]);
const MICROSOFT_SUFFIXES = [
  ".botframework.com",
  ".botframework.azure.us",
  ".teams.microsoft.com",
  ".teams.microsoft.us",
];

export function isAllowedServiceUrl(value: unknown): boolean {
  if (typeof value !== "string") return false;
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return false;
  }
  if (url.username || url.password) return false;
  const host = url.hostname.toLowerCase().replace(/^\[|\]$/g, "");
  if (isLoopback(host)) return url.protocol === "http:" || url.protocol === "https:";
  if (url.protocol !== "https:" || (url.port !== "" && url.port !== "443")) return false;
  return MICROSOFT_HOSTS.has(host) || MICROSOFT_SUFFIXES.some((suffix) => host.endsWith(suffix));
}

function isLoopback(host: string): boolean {
  return host === "localhost" || host === "::1" || /^127(\.\d{1,3}){3}$/.test(host);
}
