-- POST /submissions/?assignment_id=N with a small multipart file whose content differs on every
-- request (so that content addressing cannot skip the write). Set the path on the command line.
dofile("bench/lua/report.lua")

wrk.method = "POST"
wrk.headers["Content-Type"] = "multipart/form-data; boundary=BENCHBOUNDARY"

request = function()
  counter = counter + 1
  local body = "--BENCHBOUNDARY\r\n" ..
    'Content-Disposition: form-data; name="file"; filename="answer.py"\r\n' ..
    "Content-Type: text/plain\r\n\r\n" ..
    "def add(a, b):\n    return a + b\n\nprint(add(2, 3))  # " .. id .. "-" .. counter ..
    "\r\n--BENCHBOUNDARY--\r\n"
  return wrk.format(nil, nil, nil, body)
end
