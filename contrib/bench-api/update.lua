-- wrk script: durable acme-dns /update requests spread over the registrations in
-- registrations.txt (one "username password subdomain" line each, written by bench-api.sh).
-- Every request carries a fresh 43-character value, so each one is a real publish.
local registrations = {}
for line in io.lines(os.getenv("REGISTRATIONS") or "registrations.txt") do
    local user, key, subdomain = line:match("(%S+) (%S+) (%S+)")
    registrations[#registrations + 1] = { user = user, key = key, subdomain = subdomain }
end

local counter = 0
local alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"

function setup(thread)
    thread:set("offset", math.random(1, 1000000))
end

function request()
    counter = counter + 1
    local r = registrations[(counter + offset) % #registrations + 1]
    local n = counter * 7919 + offset
    local chars = {}
    for i = 1, 43 do
        local k = (n + i * 31) % 64 + 1
        chars[i] = alphabet:sub(k, k)
        n = math.floor(n / 3) + i
    end
    local body = '{"subdomain":"' .. r.subdomain .. '","txt":"' .. table.concat(chars) .. '"}'
    return wrk.format("POST", "/update", { ["X-Api-User"] = r.user, ["X-Api-Key"] = r.key,
        ["Content-Type"] = "application/json" }, body)
end

local failures = 0
function response(status, headers, body)
    if status ~= 200 then failures = failures + 1 end
end

function done(summary, latency, requests)
    io.write(string.format("non-200 responses: %d\n", summary.errors.status))
    io.write(string.format("p50 %.2f ms  p90 %.2f ms  p99 %.2f ms\n",
        latency:percentile(50) / 1000, latency:percentile(90) / 1000, latency:percentile(99) / 1000))
end
