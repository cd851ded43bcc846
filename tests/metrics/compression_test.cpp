// zstd sizes, frames and dictionaries (metrics/compression.hpp).
#include "metrics/compression.hpp"

#include <catch2/catch.hpp>
#include <string>
#include <vector>

#include "tests/metrics/corpus.hpp"

using metrics::compressed_size;
using metrics::Compressor;
using metrics::decompress;
using metrics::Dictionary;
using metrics::MetricsError;
using metrics::train_dictionary;
using metrics::TrainingOptions;

namespace {

std::vector<std::string> lean_samples(uint64_t seed, int n) {
  metrics_test::Rng rng(seed);
  std::vector<std::string> out;
  for (int i = 0; i < n; ++i)
    out.push_back(metrics_test::proof(rng, 3 + static_cast<int>(rng.below(8))));
  return out;
}

std::vector<std::string_view> views(const std::vector<std::string>& s) {
  return {s.begin(), s.end()};
}

Dictionary as_dictionary(const metrics::TrainedDictionary& t) {
  Dictionary d;
  d.kind = t.kind;
  d.bytes = t.bytes;
  d.samples = t.samples;
  return d;
}

}  // namespace

TEST_CASE("compression: frames carry no checksum nor dictionary id nor content size") {
  // 4-byte magic + frame header descriptor + window descriptor + one 3-byte block header.
  CHECK(compressed_size("", 19) == 9);
  // Incompressible text: a raw block, so the frame is the text plus the same 9 bytes.
  metrics_test::Rng rng(3);
  std::string noise(500, '\0');
  for (char& c : noise) c = static_cast<char>(rng.next() & 0xFF);
  CHECK(compressed_size(noise, 19) == 509);
  CHECK(compressed_size(std::string(1000, 'a'), 19) < 30);
}

TEST_CASE("compression: frames decompress to the text with and without dictionaries") {
  const auto samples = lean_samples(11, 400);
  TrainingOptions options;
  options.dictionary_bytes = 4096;
  const Dictionary zdict = as_dictionary(train_dictionary(views(samples), options));
  REQUIRE(zdict.kind == "zdict");
  Dictionary raw;
  raw.kind = "raw";
  raw.bytes = samples[0] + samples[1];
  const std::string text = lean_samples(12, 1)[0];
  for (const Dictionary* d : std::vector<const Dictionary*>{nullptr, &zdict, &raw}) {
    Compressor c = d ? Compressor(19, *d) : Compressor(19);
    const std::string frame = c.compress(text);
    CHECK(static_cast<int64_t>(frame.size()) == c.size(text));
    CHECK(decompress(frame, d) == text);
  }
}

TEST_CASE("compression: a dictionary of similar text makes proofs smaller") {
  const auto samples = lean_samples(21, 600);
  TrainingOptions options;
  options.dictionary_bytes = 8192;
  const Dictionary d = as_dictionary(train_dictionary(views(samples), options));
  REQUIRE(d.kind == "zdict");
  int64_t plain = 0;
  int64_t given = 0;
  for (const std::string& t : lean_samples(22, 50)) {
    plain += compressed_size(t, 19);
    given += compressed_size(t, 19, &d);
  }
  CHECK(given < plain * 7 / 10);
}

TEST_CASE("compression: a reused compressor gives the sizes of fresh ones") {
  const auto samples = lean_samples(31, 300);
  TrainingOptions options;
  options.dictionary_bytes = 2048;
  const Dictionary d = as_dictionary(train_dictionary(views(samples), options));
  Compressor reused(19, d);
  Compressor reused_plain(19);
  // Long, short and empty texts interleaved, so the context's tables change size between frames.
  std::vector<std::string> texts = lean_samples(32, 40);
  texts.push_back(std::string(200000, 'x') + texts[0]);
  texts.push_back("");
  texts.push_back(texts[3]);
  for (const std::string& t : texts) {
    CHECK(reused.size(t) == compressed_size(t, 19, &d));
    CHECK(reused_plain.size(t) == compressed_size(t, 19));
  }
}

TEST_CASE("compression: bad levels and kinds and dictionary bytes are refused") {
  CHECK_THROWS_AS(Compressor(0), MetricsError);
  CHECK_THROWS_AS(Compressor(23), MetricsError);
  Dictionary d;
  d.kind = "gzip";
  d.bytes = "abc";
  CHECK_THROWS_AS(Compressor(19, d), MetricsError);
  d.kind = "zdict";
  d.bytes = "not a zstd dictionary, just some text that is long enough";
  CHECK_THROWS_AS(Compressor(19, d), MetricsError);
  d.kind = "empty";
  CHECK_THROWS_AS(Compressor(19, d), MetricsError);
  d.bytes.clear();
  CHECK(compressed_size("abc", 19, &d) == compressed_size("abc", 19));
  CHECK_THROWS_AS(decompress("definitely not a frame"), MetricsError);
}

TEST_CASE("training: empty or raw when the library fits or else zdict") {
  TrainingOptions options;
  options.dictionary_bytes = 4096;
  CHECK(train_dictionary({}, options).kind == "empty");
  CHECK(train_dictionary({"", ""}, options).kind == "empty");

  const std::vector<std::string> few = {"  simp", "", "  ring_nf\n  linarith"};
  const auto raw = train_dictionary(views(few), options);
  CHECK(raw.kind == "raw");
  CHECK(raw.bytes == "  simp  ring_nf\n  linarith");
  CHECK(raw.samples == 2);

  const auto many = lean_samples(41, 500);
  const auto zdict = train_dictionary(views(many), options);
  CHECK(zdict.kind == "zdict");
  CHECK(zdict.bytes.size() <= options.dictionary_bytes);
  CHECK(zdict.samples == 500);
  CHECK(train_dictionary(views(many), options).bytes == zdict.bytes);
}

TEST_CASE("training: when ZDICT fails the tail of the samples is a raw dictionary") {
  // Four samples are too few for ZDICT ("Src size is incorrect").
  metrics_test::Rng rng(5);
  std::vector<std::string> tiny;
  for (int i = 0; i < 4; ++i) tiny.push_back(metrics_test::random_words(rng, 500));
  TrainingOptions options;
  options.dictionary_bytes = 1024;
  const auto t = train_dictionary(views(tiny), options);
  CHECK(t.kind == "raw");
  CHECK_FALSE(t.zdict_error.empty());
  std::string all;
  for (const auto& s : tiny) all += s;
  CHECK(t.bytes == all.substr(all.size() - 1024));
}

TEST_CASE("training: above max_training_bytes every k-th sample is used") {
  const auto many = lean_samples(51, 400);
  std::size_t total = 0;
  for (const auto& s : many) total += s.size();
  TrainingOptions options;
  options.dictionary_bytes = 1024;
  options.max_training_bytes = total / 3;  // k = 4 (ceil of 3.x)
  const auto t = train_dictionary(views(many), options);
  CHECK(t.samples == 100);
  CHECK(t.sample_bytes <= total / 3 + 400);
  options.dictionary_bytes = 100;
  CHECK_THROWS_AS(train_dictionary(views(many), options), MetricsError);
}
