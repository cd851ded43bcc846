#pragma once
// What makes two verifications interchangeable, and which verdicts may be reused.
#include <string>
#include <string_view>

namespace store {

// Everything a verdict depends on. A parameter bundle: the views must outlive the call.
struct CacheKeyFields {
  std::string_view toolchain;      // identity of the Lean toolchain
  std::string_view repl;           // identity of the REPL build
  std::string_view guard_version;  // version of the harness's guards and verdict rules
  std::string_view sandbox;        // sandbox and resource limits that can change the outcome
  std::string_view heartbeats;     // the heartbeat budget (Lean's maxHeartbeats units), decimal
  std::string_view header;
  std::string_view statement;
  std::string_view proof;
  std::string_view form;  // how the candidate was assembled (e.g. "proof", "full")
  // The version of the library layer the check ran on (lean_bridge::LibraryLayer::version,
  // "library-v1:..." and the task header's part of it); "" for none.
  std::string_view library;
};

// The verification cache key: common::TaggedHash("verify-v3") over every field with its own
// tag, i.e. "verify-v3:<64 hex digits>". Deterministic; any change to any field changes it.
// (verify-v1 had no heartbeat budget, verify-v2 no library layer: their verdicts were reached
// without them.)
//
// Contract: changing what goes into the key (adding, removing, renaming or re-encoding a
// field) means bumping "verify-v3" to "verify-v4", so old entries can never match new keys.
std::string verification_cache_key(const CacheKeyFields& fields);

// The cache rule, and its only owner: a verdict may be stored in and served from the
// verification cache unless it says something about the infrastructure or the input rather
// than about the proof (timeout, error, invalid). Store::record obeys it; the schema's CHECK
// on verification_cache.verdict mirrors it.
bool is_cacheable(std::string_view verdict);

}  // namespace store
