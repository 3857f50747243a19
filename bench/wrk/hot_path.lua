-- One hot path under load (bench/load.py sets it up through the environment).
--
-- BENCH_METHOD, BENCH_PATH: the request; "{n}" in the path is replaced, per request, by
-- the 12 digits that end a random target's id (BENCH_TAIL_BASE + a number from
-- BENCH_FIRST to BENCH_LAST; see bench/scales.py). BENCH_HEADERS: "Name: value" lines.
-- BENCH_BODY_FILE: the request body, if any. done() prints the figures as one JSON line.

local method = os.getenv("BENCH_METHOD") or "GET"
local template = os.getenv("BENCH_PATH")
local tail_base = tonumber(os.getenv("BENCH_TAIL_BASE") or "0")
local first = tonumber(os.getenv("BENCH_FIRST") or "0")
local last = tonumber(os.getenv("BENCH_LAST") or "0")

local headers = {}
for line in (os.getenv("BENCH_HEADERS") or ""):gmatch("[^\n]+") do
  local name, value = line:match("^([^:]+):%s*(.*)$")
  headers[name] = value
end

local body = nil
local body_file = os.getenv("BENCH_BODY_FILE") or ""
if body_file ~= "" then
  local file = assert(io.open(body_file, "rb"))
  body = file:read("*a")
  file:close()
end

-- Without targets every request is the same: format it once.
local fixed = nil
if first == 0 then
  fixed = wrk.format(method, template, headers, body)
end

local threads = 0
function setup(thread)
  threads = threads + 1
  thread:set("thread_number", threads)
end

function init(args)
  -- Each thread draws its own sequence of targets.
  math.randomseed(os.time() * 100 + (thread_number or 0))
end

function request()
  if fixed then
    return fixed
  end
  local n = string.format("%d", tail_base + math.random(first, last))
  local path = template:gsub("{n}", n)
  return wrk.format(method, path, headers, body)
end

function done(summary, latency, requests)
  local errors = summary.errors
  io.write(string.format(
    'BENCH_RESULT {"requests": %d, "duration_us": %d, "p50_us": %d, "p99_us": %d, '
      .. '"mean_us": %.1f, "errors": {"connect": %d, "read": %d, "write": %d, '
      .. '"status": %d, "timeout": %d}}\n',
    summary.requests, summary.duration, latency:percentile(50), latency:percentile(99),
    latency.mean, errors.connect, errors.read, errors.write, errors.status, errors.timeout
  ))
end
