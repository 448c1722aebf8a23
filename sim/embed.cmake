# SPDX-License-Identifier: MIT
# Turns the file IN into a C source OUT defining gs_default_scenario_json[].
file(READ "${IN}" hex HEX)
string(REGEX REPLACE "([0-9a-f][0-9a-f])" "0x\\1," bytes "${hex}")
file(WRITE "${OUT}"
  "/* Generated from scenarios/default.json by sim/embed.cmake. */\n"
  "const char gs_default_scenario_json[] = {${bytes} 0x00};\n")
