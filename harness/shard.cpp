#include "harness/shard.hpp"

#include <fmt/format.h>

#include <charconv>
#include <optional>

#include "harness/engine.hpp"

namespace harness {
namespace {

std::optional<int> number(std::string_view text) {
  int value = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || end != text.data() + text.size() || text.empty()) return std::nullopt;
  return value;
}

// The part a key falls in: the first 64 bits of its digest (the hex after the version's colon,
// `task-v1:HEX`), FNV-1a for keys that are not hex.
uint64_t key_bits(std::string_view key) {
  if (auto colon = key.rfind(':'); colon != std::string_view::npos) {
    std::string_view digest = key.substr(colon + 1);
    if (digest.size() >= 16) key = digest;
  }
  uint64_t bits = 0;
  bool hex = key.size() >= 16;
  for (size_t i = 0; hex && i < 16; ++i) {
    char c = key[i];
    int digit = c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
    if (digit < 0) hex = false;
    bits = bits << 4 | static_cast<uint64_t>(digit < 0 ? 0 : digit);
  }
  if (hex) return bits;
  bits = 14695981039346656037ull;
  for (unsigned char c : key) bits = (bits ^ c) * 1099511628211ull;
  return bits;
}

}  // namespace

Shard Shard::parse(std::string_view text) {
  auto slash = text.find('/');
  auto bad = [&](std::string_view why) {
    return UsageError(fmt::format("--shard {}: {} (give I/N with 0 <= I < N, e.g. 0/4)", text, why));
  };
  if (slash == std::string_view::npos) throw bad("no `/`");
  auto index = number(text.substr(0, slash));
  auto count = number(text.substr(slash + 1));
  if (!index || !count) throw bad("I and N must be whole numbers");
  if (*count < 1) throw bad("N must be at least 1");
  if (*index < 0 || *index >= *count) throw bad("I must be below N (shards count from 0)");
  return Shard{*index, *count};
}

bool Shard::owns_task(std::string_view task_id) const {
  return all() || key_bits(task_id) % static_cast<uint64_t>(count) == static_cast<uint64_t>(index);
}

bool Shard::owns_line(int64_t line) const {
  return all() || (line - 1) % count == index;
}

std::string Shard::text() const { return fmt::format("{}/{}", index, count); }

}  // namespace harness
