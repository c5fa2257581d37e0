-- wrk script for bench/incidents.py: PagerDuty Events v2 triggers over 50 dedup keys.
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
local i = 0
request = function()
  i = i + 1
  local body = string.format('{"routing_key":"0123456789abcdef0123456789abcdef","event_action":"trigger","dedup_key":"k%d","payload":{"summary":"disk %d","source":"db-1","severity":"warning"}}', i % 50, i)
  return wrk.format(nil, "/integrations/pagerduty/v2/enqueue", nil, body)
end
