-- wrk script: POST a new bootmedic.report/v1 per request (a fresh runId each time, 1 machine in 4 new).
local counter = 0
local prefix = string.format("%08x", math.random(0, 0x7fffffff))

request = function()
  counter = counter + 1
  local run = string.format("%s-%04x-%04x-%012x", prefix, math.random(0, 0xffff), math.random(0, 0xffff), counter)
  local machine = math.floor(counter / 4)
  local body = '{"schema":"bootmedic.report/v1","runId":"' .. run .. '","agentVersion":"bench","startedAt":"2024-07-19T06:00:00Z",'
    .. '"finishedAt":"2024-07-19T06:00:01Z","mode":"winpe","host":{"biosSerial":"BENCH-' .. prefix .. '-' .. machine .. '","hypervisorVmId":null},'
    .. '"outcome":"fixed","volumes":[{"volumeId":"vol","label":"Windows","fileSystem":"NTFS","bitlocker":{"state":"none"},'
    .. '"windows":{"computerName":"BENCH-' .. machine .. '","productName":"Windows 11 Enterprise","build":"22631"},"journal":"clean",'
    .. '"actions":[{"rule":"crowdstrike-c-00000291","path":"Windows/System32/drivers/CrowdStrike/C-00000291-00000000-00000032.sys",'
    .. '"size":40960,"sha256":"0000000000000000000000000000000000000000000000000000000000000000","modified":"2024-07-19T04:09:00Z",'
    .. '"verdict":"faulty","action":"quarantined","quarantinePath":"bootmedic/quarantine/x/C-00000291.sys"}],"outcome":"fixed","error":null}]}'
  return wrk.format("POST", "/api/v1/reports", {["Authorization"] = "Bearer " .. os.getenv("TOKEN"), ["Content-Type"] = "application/json"}, body)
end
