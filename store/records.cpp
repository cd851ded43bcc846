#include "store/records.hpp"

#include <array>
#include <utility>

namespace store {
namespace {

constexpr std::array<std::pair<RunStatus, std::string_view>, 5> kRunStatusNames{{
    {RunStatus::running, "running"},
    {RunStatus::completed, "completed"},
    {RunStatus::failed, "failed"},
    {RunStatus::interrupted, "interrupted"},
    {RunStatus::abandoned, "abandoned"},
}};

}  // namespace

std::string_view to_string(RunStatus status) {
  for (const auto& [value, name] : kRunStatusNames) {
    if (value == status) return name;
  }
  return "unknown";
}

std::optional<RunStatus> parse_run_status(std::string_view text) {
  for (const auto& [value, name] : kRunStatusNames) {
    if (name == text) return value;
  }
  return std::nullopt;
}

std::string metrics_scope(std::optional<int64_t> run_id) {
  return run_id ? std::to_string(*run_id) : std::string("all");
}

}  // namespace store
