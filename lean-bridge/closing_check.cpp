#include "lean-bridge/closing_check.hpp"

#include <fmt/format.h>

#include "common/lean_lexer.hpp"
#include "common/random_hex.hpp"

namespace lean_bridge {
namespace {

bool is_declaration_keyword(std::string_view text) {
  return text == "theorem" || text == "lemma" || text == "def" || text == "abbrev" ||
         text == "instance" || text == "opaque";
}

std::vector<Message> on_line(const std::vector<Message>& messages, int64_t line) {
  std::vector<Message> out;
  for (const Message& m : messages) {
    if (m.pos.has_value() && m.pos.value.line == line) out.push_back(m);
  }
  return out;
}

std::string check_nonce(const std::vector<Message>& messages, std::string_view nonce) {
  if (messages.size() != 1) {
    return fmt::format("expected the nonce's answer alone, got {} messages", messages.size());
  }
  const Message& m = messages.front();
  if (m.severity != "info" || m.data != fmt::format("\"{}\"", nonce)) {
    return "the nonce did not come back: " + m.data.substr(0, 200);
  }
  return {};
}

}  // namespace

std::optional<std::string> reference_declaration(std::string_view statement,
                                                 std::string_view ref_name) {
  auto tokens = common::lex(statement);
  std::optional<size_t> name_at, name_size, proof_at;
  for (size_t i = 0; i + 1 < tokens.size() && !name_at; ++i) {
    if (tokens[i].kind == common::TokenKind::keyword && is_declaration_keyword(tokens[i].text) &&
        tokens[i + 1].kind == common::TokenKind::identifier) {
      name_at = tokens[i + 1].offset;
      name_size = tokens[i + 1].text.size();
    }
  }
  if (!name_at) return std::nullopt;
  for (const auto& token : tokens) {
    if (token.kind == common::TokenKind::symbol && token.text == ":=") proof_at = token.offset;
  }
  std::string out(statement.substr(0, *name_at));
  out += ref_name;
  size_t rest = *name_at + *name_size;
  size_t end = proof_at && *proof_at > rest ? *proof_at : statement.size();
  out += statement.substr(rest, end - rest);
  out += " := sorry";
  return out;
}

ClosingRequest closing_request(std::string_view target, std::string_view ref_name,
                               std::string_view nonce) {
  ClosingRequest r;
  int64_t line = 0;
  if (!target.empty()) {
    r.text += fmt::format("#print axioms {}\n", target);
    r.axioms_line = ++line;
    if (!ref_name.empty()) {
      // `_root_.rfl`: a namespace the candidate leaves open cannot put its own `rfl` here.
      r.text += fmt::format("example : (type_of% @{}) = (type_of% @{}) := _root_.rfl\n",
                            ref_name, target);
      r.statement_line = ++line;
    }
  }
  r.text += fmt::format("#eval \"{}\"", nonce);
  r.nonce_line = ++line;
  return r;
}

ClosingAnswer read_closing(const CommandAnswer& answer, const ClosingRequest& request,
                           std::string_view target, std::string_view nonce) {
  ClosingAnswer out;
  size_t attributed = 0;
  auto nonce_messages = on_line(answer.messages, request.nonce_line);
  attributed += nonce_messages.size();
  out.nonce_problem = check_nonce(nonce_messages, nonce);
  if (request.axioms_line > 0) {
    CommandAnswer axioms_part;
    axioms_part.messages = on_line(answer.messages, request.axioms_line);
    attributed += axioms_part.messages.size();
    out.axioms = read_axioms(axioms_part, target);
  }
  if (request.statement_line > 0) {
    auto statement = on_line(answer.messages, request.statement_line);
    attributed += statement.size();
    if (!statement.empty()) out.statement_problem = "not the task's statement: " + statement[0].data;
  }
  if (out.nonce_problem.empty() && attributed != answer.messages.size()) {
    out.nonce_problem = "messages on no line of the closing request";
  }
  return out;
}

std::string random_nonce() {
  // 128 bits from a CSPRNG seeded by the kernel. std::random_device asked the CPU's RDSEED for
  // each 32 bits, and that instruction was 9 % of a worker's time.
  return common::random_hex(16);
}

}  // namespace lean_bridge
