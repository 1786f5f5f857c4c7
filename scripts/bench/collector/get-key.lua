-- wrk script: GET one of the escrowed key IDs the benchmark imported (KEYS file, one GUID per line).
local ids = {}
for line in io.lines(os.getenv("KEYS")) do ids[#ids + 1] = line end

request = function()
  return wrk.format("GET", "/api/v1/keys/" .. ids[math.random(1, #ids)], {["Authorization"] = "Bearer " .. os.getenv("TOKEN")})
end
