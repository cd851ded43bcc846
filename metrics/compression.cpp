#define ZSTD_STATIC_LINKING_ONLY   // ZSTD_createCDict_advanced2, ZSTD_dictContentType_e
#define ZDICT_STATIC_LINKING_ONLY  // ZDICT_optimizeTrainFromBuffer_fastCover
#include "metrics/compression.hpp"

#include <zdict.h>
#include <zstd.h>

#include <algorithm>
#include <memory>
#include <mutex>
#include <utility>

namespace metrics {
namespace {

void check(std::size_t code, const char* what) {
  if (ZSTD_isError(code)) {
    throw MetricsError(std::string("zstd: ") + what + ": " + ZSTD_getErrorName(code));
  }
}

ZSTD_dictContentType_e content_type(const Dictionary& dictionary) {
  if (dictionary.kind == "zdict") return ZSTD_dct_fullDict;
  if (dictionary.kind == "raw") return ZSTD_dct_rawContent;
  throw MetricsError("dictionary kind '" + dictionary.kind + "' is not one of zdict, raw, empty");
}

// The dictionary is applied only when it has bytes: an "empty" dictionary, or a raw one with no
// bytes, is plain compression.
bool applies(const Dictionary* dictionary) {
  if (dictionary == nullptr) return false;
  if (dictionary->kind == "empty") {
    if (!dictionary->bytes.empty()) throw MetricsError("an 'empty' dictionary has bytes");
    return false;
  }
  content_type(*dictionary);  // validates the kind
  return !dictionary->bytes.empty();
}

struct CCtxParamsDeleter {
  void operator()(ZSTD_CCtx_params* p) const { ZSTD_freeCCtxParams(p); }
};

}  // namespace

bool valid_level(int level) {
  return level >= 1 && level <= ZSTD_maxCLevel();
}

std::string zstd_version() {
  return ZSTD_versionString();
}

std::string frame_parameters_json() {
  return R"({"checksum":false,"content_size":false,"dict_id":false,"multithreading":false})";
}

Compressor::Compressor(int level) : m_level(level) {
  if (!valid_level(level)) {
    throw MetricsError("compression level " + std::to_string(level) + " is outside 1.." +
                       std::to_string(ZSTD_maxCLevel()));
  }
  m_cctx = ZSTD_createCCtx();
  if (m_cctx == nullptr) throw MetricsError("zstd: cannot allocate a compression context");
}

Compressor::Compressor(int level, const Dictionary& dictionary) : Compressor(level) {
  if (!applies(&dictionary)) return;
  std::unique_ptr<ZSTD_CCtx_params, CCtxParamsDeleter> params(ZSTD_createCCtxParams());
  if (!params) {
    release();
    throw MetricsError("zstd: cannot allocate parameters");
  }
  // The dictionary's tables are sized for small inputs at this level (ZSTD_createCDict's
  // assumption for an unknown source size), which is what proofs are.
  std::size_t code = ZSTD_CCtxParams_init(params.get(), level);
  if (!ZSTD_isError(code)) {
    m_cdict = ZSTD_createCDict_advanced2(dictionary.bytes.data(), dictionary.bytes.size(),
                                         ZSTD_dlm_byCopy, content_type(dictionary), params.get(),
                                         ZSTD_defaultCMem);
  }
  if (m_cdict == nullptr) {
    release();
    throw MetricsError("dictionary of kind '" + dictionary.kind + "' (" +
                       std::to_string(dictionary.bytes.size()) +
                       " bytes) cannot be loaded: not a zstd dictionary of that kind");
  }
}

Compressor::~Compressor() {
  release();
}

void Compressor::release() {
  ZSTD_freeCDict(m_cdict);
  ZSTD_freeCCtx(m_cctx);
  m_cdict = nullptr;
  m_cctx = nullptr;
}

Compressor::Compressor(Compressor&& other) noexcept
    : m_level(other.m_level),
      m_cctx(std::exchange(other.m_cctx, nullptr)),
      m_cdict(std::exchange(other.m_cdict, nullptr)),
      m_buffer(std::move(other.m_buffer)) {}

Compressor& Compressor::operator=(Compressor&& other) noexcept {
  if (this != &other) {
    release();
    m_level = other.m_level;
    m_cctx = std::exchange(other.m_cctx, nullptr);
    m_cdict = std::exchange(other.m_cdict, nullptr);
    m_buffer = std::move(other.m_buffer);
  }
  return *this;
}

std::size_t Compressor::compress_into_buffer(std::string_view text) {
  if (m_cctx == nullptr) throw MetricsError("compressor used after being moved from");
  // Every parameter is set again for each frame, so a frame never depends on what the context
  // compressed before.
  check(ZSTD_CCtx_reset(m_cctx, ZSTD_reset_session_and_parameters), "reset");
  check(ZSTD_CCtx_setParameter(m_cctx, ZSTD_c_compressionLevel, m_level), "level");
  check(ZSTD_CCtx_setParameter(m_cctx, ZSTD_c_checksumFlag, 0), "checksum flag");
  check(ZSTD_CCtx_setParameter(m_cctx, ZSTD_c_dictIDFlag, 0), "dictionary id flag");
  check(ZSTD_CCtx_setParameter(m_cctx, ZSTD_c_contentSizeFlag, 0), "content size flag");
  if (m_cdict != nullptr) check(ZSTD_CCtx_refCDict(m_cctx, m_cdict), "dictionary");
  const std::size_t bound = ZSTD_compressBound(text.size());
  if (m_buffer.size() < bound) m_buffer.resize(bound);
  const std::size_t written =
      ZSTD_compress2(m_cctx, m_buffer.data(), m_buffer.size(), text.data(), text.size());
  check(written, "compress");
  return written;
}

int64_t Compressor::size(std::string_view text) {
  return static_cast<int64_t>(compress_into_buffer(text));
}

std::string Compressor::compress(std::string_view text) {
  return m_buffer.substr(0, compress_into_buffer(text));
}

int64_t compressed_size(std::string_view text, int level, const Dictionary* dictionary) {
  if (dictionary == nullptr) return Compressor(level).size(text);
  return Compressor(level, *dictionary).size(text);
}

std::string decompress(std::string_view frame, const Dictionary* dictionary) {
  std::unique_ptr<ZSTD_DCtx, decltype(&ZSTD_freeDCtx)> dctx(ZSTD_createDCtx(), ZSTD_freeDCtx);
  if (!dctx) throw MetricsError("zstd: cannot allocate a decompression context");
  if (applies(dictionary)) {
    check(ZSTD_DCtx_loadDictionary_advanced(dctx.get(), dictionary->bytes.data(),
                                            dictionary->bytes.size(), ZSTD_dlm_byCopy,
                                            content_type(*dictionary)),
          "load dictionary");
  }
  std::string out;
  std::string chunk(ZSTD_DStreamOutSize(), '\0');
  ZSTD_inBuffer in{frame.data(), frame.size(), 0};
  std::size_t remaining = 1;
  while (in.pos < in.size || remaining != 0) {
    ZSTD_outBuffer o{chunk.data(), chunk.size(), 0};
    const std::size_t before = in.pos;
    remaining = ZSTD_decompressStream(dctx.get(), &o, &in);
    check(remaining, "decompress");
    out.append(chunk.data(), o.pos);
    if (remaining == 0 && in.pos == in.size) break;
    if (o.pos == 0 && in.pos == before) throw MetricsError("zstd: truncated frame");
  }
  return out;
}

TrainedDictionary train_dictionary(const std::vector<std::string_view>& samples,
                                   const TrainingOptions& options) {
  if (options.dictionary_bytes < 256 || options.dictionary_bytes > (16u << 20)) {
    throw MetricsError("dictionary size " + std::to_string(options.dictionary_bytes) +
                       " is outside 256..16777216 bytes");
  }
  if (options.max_training_bytes == 0) throw MetricsError("max training bytes must be > 0");
  std::size_t total = 0;
  for (std::string_view s : samples) total += s.size();
  // Thinning: every k-th non-empty sample, k = ceil(total / max_training_bytes).
  const std::size_t stride =
      total <= options.max_training_bytes
          ? 1
          : (total + options.max_training_bytes - 1) / options.max_training_bytes;
  TrainedDictionary result;
  std::string flat;
  std::vector<std::size_t> sizes;
  std::size_t index = 0;
  for (std::string_view s : samples) {
    if (s.empty()) continue;
    if (index++ % stride != 0) continue;
    flat.append(s);
    sizes.push_back(s.size());
  }
  result.samples = sizes.size();
  result.sample_bytes = flat.size();
  if (sizes.empty()) {
    result.kind = "empty";
    return result;
  }
  if (flat.size() > options.dictionary_bytes) {
    std::string dict(options.dictionary_bytes, '\0');
    // ZDICT_trainFromBuffer's own settings (fastCover, d = 8, steps = 4, f = 20, accel = 1,
    // level 3 for the entropy tables), single-threaded, except the split point: 1.0 trains on
    // every sample, where ZDICT_trainFromBuffer trains on the first 75 % only, so the last
    // quarter of the library could never enter the dictionary.
    ZDICT_fastCover_params_t params{};
    params.d = 8;
    params.steps = 4;
    params.f = 20;
    params.accel = 1;
    params.nbThreads = 1;
    params.splitPoint = 1.0;
    params.zParams.compressionLevel = 3;
    std::size_t n = 0;
    {
      // The trainer sets a process-wide display level on each call: one call at a time.
      static std::mutex trainer_mutex;
      std::lock_guard<std::mutex> lock(trainer_mutex);
      n = ZDICT_optimizeTrainFromBuffer_fastCover(dict.data(), dict.size(), flat.data(),
                                                  sizes.data(), static_cast<unsigned>(sizes.size()),
                                                  &params);
    }
    if (!ZDICT_isError(n)) {
      dict.resize(n);
      result.kind = "zdict";
      result.bytes = std::move(dict);
      result.segment_size = params.k;
      return result;
    }
    result.zdict_error = ZDICT_getErrorName(n);
  }
  result.kind = "raw";
  const std::size_t keep = std::min(flat.size(), options.dictionary_bytes);
  result.bytes = flat.substr(flat.size() - keep);
  return result;
}

}  // namespace metrics
