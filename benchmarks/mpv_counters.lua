-- Loaded by benchmarks/against_mpv.py with mpv's --script: once the file (or --length) has
-- played to its end (--keep-open holds the last frame), print mpv's own frame counters and
-- the A/V differences it saw as one line on stderr, then quit.
local lowest, highest = nil, nil

mp.observe_property("avsync", "number", function(_, value)
  if value ~= nil then
    lowest = (lowest == nil or value < lowest) and value or lowest
    highest = (highest == nil or value > highest) and value or highest
  end
end)

local function number(name)
  return mp.get_property_number(name) or -1
end

mp.observe_property("eof-reached", "bool", function(_, ended)
  if not ended then
    return
  end
  io.stderr:write(string.format(
    'mpv-figures {"frames": %d, "vo_dropped": %d, "decoder_dropped": %d, '
      .. '"played_s": %.3f, "av_min_ms": %.1f, "av_max_ms": %.1f}\n',
    number("estimated-frame-number"),
    number("frame-drop-count"),
    number("decoder-frame-drop-count"),
    number("time-pos"),
    1000 * (lowest or 0),
    1000 * (highest or 0)
  ))
  mp.command("quit")
end)
