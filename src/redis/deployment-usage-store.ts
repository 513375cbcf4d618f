import type { RedisClient } from "./connections.js";
import { deploymentUsageKey } from "./keys.js";
import { defineScript, LUA_NOW, type LuaScript } from "./lua-script.js";

const MINUTE_KEY = `local minute = math.floor(now / 60000)
local key = KEYS[1] .. ':' .. minute
local function count(field) return tonumber(redis.call('HGET', key, field) or '0') end
local function keep() if redis.call('PTTL', key) < 0 then redis.call('PEXPIRE', key, 120000) end end`;

/** Counts one call unless the deployment had rpm calls this minute. KEYS: usage base. ARGV: id, rpm. */
const CLAIM = `${LUA_NOW}
${MINUTE_KEY}
local id = ARGV[1]
local requests = count(id .. ':r')
local accepted = 0
if requests < tonumber(ARGV[2]) then
  requests = redis.call('HINCRBY', key, id .. ':r', 1)
  accepted = 1
  keep()
end
return { accepted, requests, count(id .. ':t'), (minute + 1) * 60000 - now }`;

/** Adds tokens and reads counts. KEYS: usage base. ARGV: n, n pairs of id and tokens, then the ids to read. */
const SYNC = `${LUA_NOW}
${MINUTE_KEY}
local n = tonumber(ARGV[1])
for i = 0, n - 1 do redis.call('HINCRBY', key, ARGV[2 + 2 * i] .. ':t', ARGV[3 + 2 * i]) end
if n > 0 then keep() end
local out = { (minute + 1) * 60000 - now }
for i = 2 + 2 * n, #ARGV do
  out[#out + 1] = count(ARGV[i] .. ':r')
  out[#out + 1] = count(ARGV[i] .. ':t')
end
return out`;

// The shapes of src/proxy/deployment-usage.ts's port, repeated: redis/ does not import proxy/ (deps.ts checks the fit).
interface UsageCounts {
  requests: number;
  tokens: number;
}
interface Claim extends UsageCounts {
  accepted: boolean;
  msLeft: number;
}
interface UsageSnapshot {
  counts: Map<string, UsageCounts>;
  msLeft: number;
}

/** Deployment calls and tokens per minute for the cluster, in one Redis hash per minute (the DeploymentUsageStore port). */
export class RedisDeploymentUsageStore {
  private readonly claimScript: LuaScript;
  private readonly syncScript: LuaScript;
  private readonly key: string;

  constructor(
    private readonly commands: RedisClient,
    prefix: string,
  ) {
    this.key = deploymentUsageKey(prefix);
    this.claimScript = defineScript(commands, "switchboardDeploymentClaim", 1, CLAIM);
    this.syncScript = defineScript(commands, "switchboardDeploymentSync", 1, SYNC);
  }

  async claim(id: string, rpm: number): Promise<Claim> {
    const [accepted, requests, tokens, msLeft] = (await this.claimScript(this.key, id, rpm)) as number[];
    return { accepted: accepted === 1, requests: requests!, tokens: tokens!, msLeft: msLeft! };
  }

  async sync(tokens: ReadonlyMap<string, number>, ids: readonly string[]): Promise<UsageSnapshot> {
    const args: Array<string | number> = [tokens.size];
    for (const [id, added] of tokens) args.push(id, Math.round(added));
    args.push(...ids);
    const [msLeft, ...flat] = (await this.syncScript(this.key, ...args)) as number[];
    const counts = new Map<string, UsageCounts>();
    ids.forEach((id, i) => counts.set(id, { requests: flat[2 * i]!, tokens: flat[2 * i + 1]! }));
    return { counts, msLeft: msLeft! };
  }

  shared(): boolean {
    return this.commands.status === "ready";
  }
}
