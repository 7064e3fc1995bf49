import type { Redis } from 'ioredis';

/**
 * Lua scripts for what a group member does to its pending entries. Each runs atomically on the
 * server, so "is this entry still mine?" and "renew it" cannot be split by another member's claim,
 * and "nothing pending?" and "remove the member" cannot be split by a read. Registered with
 * ioredis's `defineCommand` (EVALSHA, with EVAL when the server does not know the script yet).
 */
const SCRIPTS = {
  /**
   * KEYS[1] stream; ARGV: group, consumer, idle ms or '', retry count or '', ids…
   * XCLAIMs (JUSTID: no delivery counted) the ids the consumer still owns, which renews their lease
   * or sets their idle time / delivery count. Returns the ids it no longer owns (claimed by another
   * member, acknowledged, or trimmed from the stream).
   */
  switchyardTouch: `
local owned = {}
local lost = {}
for i = 5, #ARGV do
  local p = redis.call('XPENDING', KEYS[1], ARGV[1], ARGV[i], ARGV[i], 1)
  if p[1] ~= nil and p[1][2] == ARGV[2] then owned[#owned + 1] = ARGV[i] else lost[#lost + 1] = ARGV[i] end
end
if #owned > 0 then
  local args = {'XCLAIM', KEYS[1], ARGV[1], ARGV[2], 0}
  for _, id in ipairs(owned) do args[#args + 1] = id end
  if ARGV[3] ~= '' then args[#args + 1] = 'IDLE'; args[#args + 1] = ARGV[3] end
  if ARGV[4] ~= '' then args[#args + 1] = 'RETRYCOUNT'; args[#args + 1] = ARGV[4] end
  args[#args + 1] = 'JUSTID'
  local kept = {}
  for _, id in ipairs(redis.call(unpack(args))) do kept[id] = true end
  for _, id in ipairs(owned) do if not kept[id] then lost[#lost + 1] = id end end
end
return lost`,

  /**
   * KEYS[1] stream; ARGV: group, consumer, retry count or '', ids…
   * XCLAIMs the ids the consumer still owns and returns them with their fields (the delivery
   * count set to the retry count, or incremented). Entries trimmed meanwhile are left out.
   */
  switchyardTake: `
local owned = {}
for i = 4, #ARGV do
  local p = redis.call('XPENDING', KEYS[1], ARGV[1], ARGV[i], ARGV[i], 1)
  if p[1] ~= nil and p[1][2] == ARGV[2] then owned[#owned + 1] = ARGV[i] end
end
if #owned == 0 then return {} end
local args = {'XCLAIM', KEYS[1], ARGV[1], ARGV[2], 0}
for _, id in ipairs(owned) do args[#args + 1] = id end
if ARGV[3] ~= '' then args[#args + 1] = 'RETRYCOUNT'; args[#args + 1] = ARGV[3] end
return redis.call(unpack(args))`,

  /**
   * KEYS[1] stream; ARGV: group, consumer, min idle ms, start id, count.
   * XAUTOCLAIM, plus each claimed entry's delivery count from XPENDING (XAUTOCLAIM does not return
   * it): `{ next start id, entries, counts, ids deleted from the stream while pending }`.
   */
  switchyardClaim: `
local r = redis.call('XAUTOCLAIM', KEYS[1], ARGV[1], ARGV[2], ARGV[3], ARGV[4], 'COUNT', ARGV[5])
local counts = {}
for i, e in ipairs(r[2]) do
  local p = redis.call('XPENDING', KEYS[1], ARGV[1], e[1], e[1], 1)
  if p[1] ~= nil then counts[i] = p[1][4] else counts[i] = 1 end
end
return {r[1], r[2], counts, r[3] or {}}`,

  /**
   * KEYS[1] stream; ARGV: group, idle ms, consumer to remove when it has nothing pending (or '').
   * Removes members with nothing pending that have not read for longer than the idle time
   * (what crashed instances leave behind once their entries were claimed), and the given member
   * itself when it has nothing pending (a clean close). Returns the removed names.
   */
  switchyardPrune: `
local removed = {}
for _, c in ipairs(redis.call('XINFO', 'CONSUMERS', KEYS[1], ARGV[1])) do
  local name, pending, idle
  for i = 1, #c, 2 do
    if c[i] == 'name' then name = c[i + 1] elseif c[i] == 'pending' then pending = c[i + 1] elseif c[i] == 'idle' then idle = c[i + 1] end
  end
  if pending == 0 and (name == ARGV[3] or idle > tonumber(ARGV[2])) then
    redis.call('XGROUP', 'DELCONSUMER', KEYS[1], ARGV[1], name)
    removed[#removed + 1] = name
  end
end
return removed`,
} as const;

type Args = Array<string | number>;
type Reply = unknown;

/** The scripts as commands of one client. */
export interface StreamScripts {
  switchyardTouch(key: string, ...args: Args): Promise<string[]>;
  switchyardTakeBuffer(key: string, ...args: Args): Promise<Reply>;
  switchyardClaimBuffer(key: string, ...args: Args): Promise<Reply>;
  switchyardPrune(key: string, ...args: Args): Promise<string[]>;
}

const registered = new WeakSet<Redis>();

/** Defines the scripts on `client` (once) and returns it typed with them. */
export function withScripts(client: Redis): Redis & StreamScripts {
  if (!registered.has(client)) {
    for (const [name, lua] of Object.entries(SCRIPTS)) client.defineCommand(name, { numberOfKeys: 1, lua });
    registered.add(client);
  }
  return client as Redis & StreamScripts;
}

/** Largest number of ids passed to one script call: Lua's `unpack` takes a few thousand values at most. */
export const SCRIPT_BATCH = 500;
