#pragma once
// zstd compressed sizes and dictionaries for the proof compression metrics (README.md).
//
// Every size is the length of one zstd frame written with fixed parameters: the given level,
// no checksum, no dictionary id, no content size (frame_parameters_json() lists them). With
// those flags a frame is a 4-byte magic number, a 2-byte frame header and a 3-byte header per
// block, so an empty text costs 9 bytes. Compression is single-threaded (zstd's nbWorkers is
// never set), so a size is a pure function of the text, the level and the dictionary bytes.
#include <cstddef>
#include <cstdint>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

struct ZSTD_CCtx_s;
struct ZSTD_CDict_s;

namespace metrics {

// Bad options, unusable dictionary bytes, or a zstd failure; the message says which.
class MetricsError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// A dictionary as stored: enough to compress with it again and get the same sizes.
struct Dictionary {
  std::string version;      // "zdict-v1:<sha256 of the parameters>" (dictionary_version())
  int fold = 0;             // the fold whose proofs are compressed with it
  std::string bytes;        // the dictionary itself (empty for kind "empty")
  std::string kind;         // "zdict" (trained: header, entropy tables, content), "raw" or "empty"
  std::size_t samples = 0;  // proofs it was built from
  std::string params_json;  // parameters and provenance, compact JSON with sorted keys
};

// Compresses texts at one level, with or without a dictionary. A "zdict" dictionary is loaded as
// a full zstd dictionary (header + entropy tables + content), a "raw" one as raw content, an
// "empty" one (or no dictionary) means plain compression. Not thread-safe; one per thread.
class Compressor {
 public:
  explicit Compressor(int level);
  // MetricsError when the kind is unknown or the bytes are not a dictionary of that kind.
  Compressor(int level, const Dictionary& dictionary);
  ~Compressor();
  Compressor(Compressor&& other) noexcept;
  Compressor& operator=(Compressor&& other) noexcept;
  Compressor(const Compressor&) = delete;
  Compressor& operator=(const Compressor&) = delete;

  // Size in bytes of the frame for `text`.
  int64_t size(std::string_view text);
  // The frame itself.
  std::string compress(std::string_view text);
  int level() const { return m_level; }

 private:
  std::size_t compress_into_buffer(std::string_view text);
  void release();

  int m_level = 0;
  ZSTD_CCtx_s* m_cctx = nullptr;
  ZSTD_CDict_s* m_cdict = nullptr;
  std::string m_buffer;
};

// C(text) at `level`, or C(text | dictionary). Same numbers as a Compressor with the same
// arguments.
int64_t compressed_size(std::string_view text, int level, const Dictionary* dictionary = nullptr);
// Inverse of Compressor::compress with the same dictionary (MetricsError on a bad frame).
std::string decompress(std::string_view frame, const Dictionary* dictionary = nullptr);

// Levels accepted: 1 .. ZSTD_maxCLevel() (22).
bool valid_level(int level);
// The zstd library version in use, e.g. "1.5.4".
std::string zstd_version();
// {"checksum":false,"content_size":false,"dict_id":false,"multithreading":false}
std::string frame_parameters_json();

// How a fold's dictionary is built from its training samples (README.md, "Dictionaries").
struct TrainingOptions {
  std::size_t dictionary_bytes = 16 * 1024;    // capacity, 256 .. 16 MiB
  std::size_t max_training_bytes = 32u << 20;  // above this, every k-th sample is used
};
struct TrainedDictionary {
  std::string kind;  // "zdict", "raw" or "empty"
  std::string bytes;
  std::size_t samples = 0;  // samples used (after the max_training_bytes thinning)
  std::size_t sample_bytes = 0;
  std::string zdict_error;    // why ZDICT was not used, when it was tried and failed
  unsigned segment_size = 0;  // "zdict": the segment size k the trainer chose
};
// Empty samples are skipped. No samples: "empty". Samples totalling at most dictionary_bytes:
// "raw", their concatenation in order (the whole library fits). Otherwise "zdict":
// ZDICT_optimizeTrainFromBuffer_fastCover with ZDICT_trainFromBuffer's settings but trained on
// every sample (split point 1.0), capacity dictionary_bytes; if it fails: "raw", the last
// dictionary_bytes bytes of the concatenation. Deterministic: same samples in the same order
// give the same bytes.
TrainedDictionary train_dictionary(const std::vector<std::string_view>& samples,
                                   const TrainingOptions& options);

}  // namespace metrics
