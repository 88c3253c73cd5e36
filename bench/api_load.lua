-- wrk script for bench/api_load.sh: a mixed workload, in turn per connection — the empty
-- query, the 3-step funnel, and the schema.
-- The funnel's JSON, from bench/api_load.sh.
local funnel = os.getenv("API_LOAD_FUNNEL")
-- API_LOAD_MIX=funnel: the funnel only.
local funnel_only = os.getenv("API_LOAD_MIX") == "funnel"
local counter = 0

request = function()
  counter = counter + 1
  local kind = funnel_only and 1 or counter % 3
  if kind == 0 then
    return wrk.format("GET", "/datasets/bench/empty-query")
  elseif kind == 1 then
    return wrk.format("POST", "/datasets/bench/query", {["Content-Type"] = "application/json"},
      funnel)
  else
    return wrk.format("GET", "/datasets/bench/schema")
  end
end
