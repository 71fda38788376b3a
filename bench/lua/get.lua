dofile("bench/lua/report.lua")
