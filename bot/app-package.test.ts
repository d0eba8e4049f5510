import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { COMMAND_NAMES } from "./commands/catalog";

const dir = new URL("./appPackage/", import.meta.url);
const manifest = JSON.parse(readFileSync(new URL("manifest.json", dir), "utf8")) as {
  id: string;
  icons: { color: string; outline: string };
  bots: Array<{
    botId: string;
    commandLists: Array<{ commands: Array<{ title: string; description: string }> }>;
  }>;
};

/** Width, height, bit depth and colour type from a PNG's IHDR chunk. */
function pngHeader(name: string) {
  const file = readFileSync(new URL(name, dir));
  expect(file.subarray(1, 4).toString("ascii")).toBe("PNG");
  return { width: file.readUInt32BE(16), height: file.readUInt32BE(20), colorType: file[25] };
}

describe("Teams app package", () => {
  it("lists exactly the commands the bot understands, within Teams' limits", () => {
    const commands = manifest.bots[0]?.commandLists[0]?.commands ?? [];
    expect(commands.map((c) => c.title)).toEqual(COMMAND_NAMES);
    expect(commands.length).toBeLessThanOrEqual(10);
    for (const c of commands) {
      expect(c.title.length).toBeLessThanOrEqual(32);
      expect(c.description.length).toBeLessThanOrEqual(128);
    }
  });

  it("uses the bot registration id placeholder for the app and the bot", () => {
    expect(manifest.id).toBe("{{MICROSOFT_APP_ID}}");
    expect(manifest.bots[0]?.botId).toBe("{{MICROSOFT_APP_ID}}");
  });

  it("ships a 192x192 colour icon and a 32x32 outline icon with transparency", () => {
    expect(pngHeader(manifest.icons.color)).toMatchObject({ width: 192, height: 192 });
    expect(pngHeader(manifest.icons.outline)).toEqual({ width: 32, height: 32, colorType: 6 });
  });
});
