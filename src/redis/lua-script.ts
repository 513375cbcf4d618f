import type { RedisClient } from "./connections.js";

export type LuaScript = (...args: Array<string | number>) => Promise<unknown>;

/** A Lua script run by EVALSHA (ioredis loads it on first use); `name` must be unique on the connection. */
export function defineScript(redis: RedisClient, name: string, numberOfKeys: number, lua: string): LuaScript {
  redis.defineCommand(name, { numberOfKeys, lua });
  const command = (redis as unknown as Record<string, LuaScript>)[name]!;
  return (...args) => command.apply(redis, args);
}

/** Redis's own clock in ms, so that every replica's minute and cooldown end agree whatever their clocks say. */
export const LUA_NOW = `local clock = redis.call('TIME')
local now = tonumber(clock[1]) * 1000 + math.floor(tonumber(clock[2]) / 1000)`;
