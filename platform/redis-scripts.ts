import type { Redis } from "ioredis";

export type ScriptCaller<N extends string> = (
  name: N,
  keys: readonly string[],
  args: readonly (string | number)[],
) => Promise<unknown>;

export interface LuaScript {
  lua: string;
  numberOfKeys: number;
}

type CustomCommand = (...keysAndArgs: (string | number)[]) => Promise<unknown>;

/**
 * Registers Lua scripts on a connection with ioredis `defineCommand`, as BullMQ does: ioredis sends
 * EVALSHA and falls back to EVAL when Redis lost its script cache (a restart or SCRIPT FLUSH).
 * `namespace` keeps two script sets on one connection apart; registering twice is harmless.
 */
export function defineScripts<N extends string>(
  redis: Redis,
  namespace: string,
  scripts: Readonly<Record<N, LuaScript>>,
): ScriptCaller<N> {
  const commands = redis as unknown as Record<string, CustomCommand | undefined>;
  const commandName = (name: string) => `${namespace}_${name.replace(/[^a-zA-Z0-9]/g, "_")}`;
  for (const [name, script] of Object.entries(scripts) as [N, LuaScript][]) {
    if (typeof commands[commandName(name)] !== "function") redis.defineCommand(commandName(name), script);
  }
  return (name, keys, args) => {
    const command = commands[commandName(name)];
    if (!command) throw new Error(`Lua script ${name} is not registered`);
    if (keys.length !== scripts[name].numberOfKeys)
      throw new Error(`Lua script ${name} takes ${scripts[name].numberOfKeys} keys, not ${keys.length}`);
    return command.call(redis, ...keys, ...args);
  };
}
