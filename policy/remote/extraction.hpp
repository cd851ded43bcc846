#pragma once
// From a model's answer to a candidate proof (README.md, "Extraction"). Pure text functions;
// no knowledge of HTTP.
#include <optional>
#include <string>
#include <string_view>

namespace policy::remote {

// How the answer relates to its prompt. `continuation`: the prompt ends inside an open code
// block (the completions endpoint with the deepseek template), so the answer continues the
// statement's code. `answer`: the model answers in prose and code blocks (chat endpoint, or a
// template that does not leave a block open).
enum class AnswerForm { continuation, answer };

struct Extracted {
  std::string proof;
  bool whole_file = false;
  std::optional<std::string> error;  // set when no candidate could be extracted
};

// True when the prompt leaves a ``` code block open (an odd number of fence lines).
bool prompt_opens_code_block(std::string_view prompt);

// The answer without a leading <think>...</think> part. A "</think>" with no "<think>" before
// it (the server's chat template opened it) ends a thinking part too. An answer that opens
// <think> and never closes it is all thinking: the result is empty.
std::string_view strip_think(std::string_view answer);

// The content of the last closed code block whose language is lean, lean4 or absent.
// Fences are lines starting with ``` (after indentation); `unclosed` is set when a Lean
// block is opened and never closed (an answer cut by max_tokens).
std::optional<std::string_view> last_lean_block(std::string_view text, bool* unclosed = nullptr);

// The name declared by the statement's first theorem/lemma/def... ("" if none).
std::string declared_name(std::string_view statement);

// True when `code` declares `name` with `theorem` or `lemma` (comments and strings do not
// count; `Foo.name` and `_root_.name` match `name`).
bool restates(std::string_view code, std::string_view name);

// The candidate from one answer; header and statement are the task's.
Extracted extract_proof(std::string_view answer, AnswerForm form, std::string_view header,
                        std::string_view statement);

// Step mode: the tactic in one answer, or nullopt when it holds none. The first non-blank
// line of the last Lean block if there is one, else of the answer, without surrounding
// backticks.
std::optional<std::string> extract_tactic(std::string_view answer);

}  // namespace policy::remote
