#pragma once
// Lean-compatible JSON rendering for the fake REPL.
//
// Contract: lean_pretty(j) returns exactly what Lean's `Json.pretty` (line width 80) prints for
// the same value, which is what the real REPL writes on stdout (without the trailing newline):
//  - object keys in DESCENDING order (Lean folds its RBMap into a list back to front);
//  - Wadler-style groups: an object/array, or a `"key": value` pair, is printed flat when it and
//    the text up to the next line break fit in 80 columns, else broken; a broken pair puts the
//    value on the next line, a broken object/array puts one element per line;
//  - nesting indents by one column per bracket; widths count Unicode code points;
//  - strings escape only `"`, `\`, `\n`, `\r` and other control characters (as `\u00xx`).
#include <nlohmann/json.hpp>
#include <string>

namespace fake_repl {

std::string lean_pretty(const nlohmann::json& value);
std::string lean_escape(const std::string& text);

}  // namespace fake_repl
