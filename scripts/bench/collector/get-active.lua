-- wrk script: GET /api/v1/playbooks/active as an agent asks it, for a random one of the 10,000
-- machines scopes.sh scopes a playbook to (in lower case: names compare case-insensitively), with
-- a BIOS serial as 'fix --all' sends. Every request is in scope, so both phases answer the same bytes.
request = function()
  local n = math.random(0, 9999)
  local path = string.format("/api/v1/playbooks/active?computerName=pc-%05d&biosSerial=SN-%05d", n, n)
  return wrk.format("GET", path, {["Authorization"] = "Bearer " .. os.getenv("TOKEN")})
end
