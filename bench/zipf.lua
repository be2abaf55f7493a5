-- wrk script: readers spread over article URLs by a Zipf law (s = 1), as a news site's traffic is.
-- The paths file lists one path per line, most popular first; PATHS names it.
local paths = {}
local cdf = {}
local threads = 0

setup = function(thread)
  threads = threads + 1
  thread:set("id", threads)
end

init = function(args)
  local file = os.getenv("PATHS")
  for line in io.lines(file) do
    paths[#paths + 1] = line
  end
  local total = 0
  for k = 1, #paths do
    total = total + 1 / k
    cdf[k] = total
  end
  for k = 1, #paths do
    cdf[k] = cdf[k] / total
  end
  math.randomseed(os.time() * 1000 + id)
end

request = function()
  local r = math.random()
  local lo, hi = 1, #cdf
  while lo < hi do
    local mid = math.floor((lo + hi) / 2)
    if cdf[mid] < r then lo = mid + 1 else hi = mid end
  end
  return wrk.format("GET", paths[lo], { ["Accept-Encoding"] = "gzip" })
end
