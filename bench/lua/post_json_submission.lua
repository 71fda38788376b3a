-- POST /submissions/ with a JSON body, the shape the reference stack's intake takes.
dofile("bench/lua/report.lua")

wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"

request = function()
  counter = counter + 1
  local body = '{"assignment_id": ' .. (os.getenv("AG_ASSIGNMENT") or "1") .. ', "student_id": "s-wrk", ' ..
    '"content": "def add(a, b):\\n    return a + b\\n\\nprint(add(2, 3))  # ' .. id .. "-" .. counter .. '"}'
  return wrk.format(nil, nil, nil, body)
end
