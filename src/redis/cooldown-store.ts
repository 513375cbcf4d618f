import type { RedisClient } from "./connections.js";
import type { Logger } from "../logging/logger.js";
import { cooldownActiveKey, cooldownChannel, cooldownFailsKey } from "./keys.js";
import { defineScript, LUA_NOW, type LuaScript } from "./lua-script.js";

/**
 * Counts a failure in this minute's window and, past allowed_fails, starts the cooldown and announces it, all in one
 * step: two replicas seeing the last allowed failure at once cannot both start (or both miss) the cooldown. Failures
 * of calls that were already under way when the deployment cooled down are not counted.
 * KEYS: fails base, active set. ARGV: id, allowed_fails, cooldown ms, channel.
 */
const RECORD_FAILURE = `${LUA_NOW}
local id = ARGV[1]
local ends = tonumber(redis.call('ZSCORE', KEYS[2], id) or '0')
if ends > now then return 0 end
local key = KEYS[1] .. ':' .. math.floor(now / 60000)
local count = redis.call('INCR', key)
if count == 1 then redis.call('PEXPIRE', key, 60000) end
if count <= tonumber(ARGV[2]) then return 0 end
redis.call('DEL', key)
local ms = tonumber(ARGV[3])
redis.call('ZREMRANGEBYSCORE', KEYS[2], '-inf', now)
redis.call('ZADD', KEYS[2], now + ms, id)
if redis.call('PTTL', KEYS[2]) < ms + 1000 then redis.call('PEXPIRE', KEYS[2], ms + 60000) end
redis.call('PUBLISH', ARGV[4], cjson.encode({ id = id, ms = ms }))
return ms`;

/** Running cooldowns as id, remaining ms pairs. KEYS: active set. */
const ACTIVE = `${LUA_NOW}
local rows = redis.call('ZRANGEBYSCORE', KEYS[1], '(' .. now, '+inf', 'WITHSCORES')
local out = {}
for i = 1, #rows, 2 do
  out[#out + 1] = rows[i]
  out[#out + 1] = tostring(tonumber(rows[i + 1]) - now)
end
return out`;

/** What a replica hears (src/proxy/cooldowns.ts's CooldownHandlers, by shape: redis/ does not import proxy/). */
interface CooldownHandlers {
  onCooldown(id: string, remainingMs: number): void;
  onReady(): void;
}

/**
 * Cooldowns for the cluster: counted and kept in Redis, announced on a channel of their own. Fits the CooldownStore
 * port of src/proxy/cooldowns.ts by shape; deps.ts, which passes it there, has the compiler check that it does.
 */
export class RedisCooldownStore {
  private readonly recordScript: LuaScript;
  private readonly activeScript: LuaScript;
  private readonly channel: string;
  private handlers: CooldownHandlers | undefined;

  constructor(
    private readonly commands: RedisClient,
    private readonly subscriber: RedisClient,
    private readonly prefix: string,
    private readonly logger: Logger,
  ) {
    this.channel = cooldownChannel(prefix);
    this.recordScript = defineScript(commands, "switchboardCooldownFailure", 2, RECORD_FAILURE);
    this.activeScript = defineScript(commands, "switchboardCooldownsActive", 1, ACTIVE);
    subscriber.on("ready", () => void this.resubscribe());
    subscriber.on("message", (channel: string, text: string) => {
      if (channel === this.channel) this.receive(text);
    });
  }

  async recordFailure(id: string, allowedFails: number, cooldownMs: number): Promise<number> {
    const keys = [cooldownFailsKey(this.prefix, id), cooldownActiveKey(this.prefix)];
    return Number(await this.recordScript(...keys, id, allowedFails, Math.round(cooldownMs), this.channel));
  }

  async active(): Promise<Array<[string, number]>> {
    const flat = (await this.activeScript(cooldownActiveKey(this.prefix))) as string[];
    const entries: Array<[string, number]> = [];
    for (let i = 0; i + 1 < flat.length; i += 2) entries.push([flat[i]!, Number(flat[i + 1])]);
    return entries;
  }

  listen(handlers: CooldownHandlers): void {
    this.handlers = handlers;
    if (this.subscriber.status === "ready") void this.resubscribe();
  }

  shared(): boolean {
    return this.commands.status === "ready";
  }

  private async resubscribe(): Promise<void> {
    if (!this.handlers) return;
    try {
      await this.subscriber.subscribe(this.channel);
      this.handlers.onReady();
    } catch (error) {
      this.logger.warn({ err: { message: (error as Error).message } }, "could not subscribe to cooldown notices");
    }
  }

  private receive(text: string): void {
    let notice: unknown;
    try {
      notice = JSON.parse(text);
    } catch {
      notice = undefined;
    }
    const { id, ms } = (notice ?? {}) as { id?: unknown; ms?: unknown };
    if (typeof id !== "string" || typeof ms !== "number" || !Number.isFinite(ms) || ms < 0) {
      this.logger.warn({ length: text.length }, "dropped a malformed cooldown notice");
      return;
    }
    this.handlers?.onCooldown(id, ms);
  }
}
