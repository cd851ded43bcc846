#include "policy/builtin/model.hpp"

#include <algorithm>
#include <bit>
#include <cmath>
#include <map>

#include "policy/builtin/rng.hpp"

namespace policy::builtin {

void log_softmax(const std::vector<double>& logits, std::vector<double>& out) {
  out.resize(logits.size());
  if (logits.empty()) return;
  const double max = *std::max_element(logits.begin(), logits.end());
  double sum = 0;
  for (double l : logits) sum += std::exp(l - max);
  const double log_z = max + std::log(sum);
  for (std::size_t i = 0; i < logits.size(); ++i) out[i] = logits[i] - log_z;
}

namespace {

constexpr double kAdagradEpsilon = 1e-8;

bool nonzero_bits(float v) {
  return std::bit_cast<uint32_t>(v) != 0;
}

// One Adagrad ascent step of a parameter: d = gradient − l2·w, G += d², w += lr·d/(√G + ε).
void adagrad(float& w, float& accumulator, double gradient, double learning_rate, double l2) {
  const double d = gradient - l2 * w;
  const double g = static_cast<double>(accumulator) + d * d;
  accumulator = static_cast<float>(g);
  w = static_cast<float>(w + learning_rate * d / (std::sqrt(g) + kAdagradEpsilon));
}

float read_weight(ByteReader& in, std::string_view what) {
  float v = in.f32(what);
  if (!std::isfinite(v)) ByteReader::fail("a weight in " + std::string(what) + " is not finite");
  return v;
}

float read_accumulator(ByteReader& in, std::string_view what) {
  float v = in.f32(what);
  if (!std::isfinite(v) || v < 0) {
    ByteReader::fail("an Adagrad accumulator in " + std::string(what) + " is negative or not finite");
  }
  return v;
}

// The gradient of weight · log π(action) with respect to the logits: weight · (onehot − p).
// Also adds −weight · log π(action) to `loss`.
void logit_gradient(const std::vector<double>& logits, const Example& ex, std::vector<double>& g,
                    double& loss) {
  std::vector<double> logp;
  log_softmax(logits, logp);
  loss -= ex.weight * logp[static_cast<std::size_t>(ex.action)];
  g.resize(logits.size());
  for (std::size_t a = 0; a < logits.size(); ++a) {
    const double p = std::exp(logp[a]);
    g[a] = ex.weight * ((static_cast<int>(a) == ex.action ? 1.0 : 0.0) - p);
  }
}

class LogLinear final : public Model {
 public:
  LogLinear(int feature_bits, int actions)
      : m_dim(std::size_t{1} << feature_bits),
        m_actions(actions),
        m_w(m_dim * static_cast<std::size_t>(actions), 0.0f),
        m_g(m_w.size(), 0.0f) {}

  std::string name() const override { return "loglinear"; }
  int actions() const override { return m_actions; }
  void add_action() override {
    m_w.resize(m_w.size() + m_dim, 0.0f);
    m_g.resize(m_g.size() + m_dim, 0.0f);
    ++m_actions;
  }

  void logits(const SparseVector& x, std::vector<double>& out) const override {
    out.assign(static_cast<std::size_t>(m_actions), 0.0);
    for (int a = 0; a < m_actions; ++a) {
      const float* row = &m_w[static_cast<std::size_t>(a) * m_dim];
      double s = 0;
      for (std::size_t k = 0; k < x.size(); ++k) s += static_cast<double>(row[x.index[k]]) * x.value[k];
      out[static_cast<std::size_t>(a)] = s;
    }
    out[0] += kStopPrior;
  }

  double step(const std::vector<Example>& examples, double learning_rate, double l2) override {
    // Gradient rows per feature, in feature order (std::map: a fixed iteration order).
    std::map<uint32_t, std::vector<double>> grad;
    std::vector<double> z, g;
    double loss = 0;
    for (const Example& ex : examples) {
      logits(*ex.x, z);
      logit_gradient(z, ex, g, loss);
      for (std::size_t k = 0; k < ex.x->size(); ++k) {
        auto& row = grad[ex.x->index[k]];
        row.resize(static_cast<std::size_t>(m_actions), 0.0);
        const double v = ex.x->value[k];
        for (std::size_t a = 0; a < row.size(); ++a) row[a] += v * g[a];
      }
    }
    for (const auto& [j, row] : grad) {
      for (std::size_t a = 0; a < row.size(); ++a) {
        adagrad(m_w[a * m_dim + j], m_g[a * m_dim + j], row[a], learning_rate, l2);
      }
    }
    return loss;
  }

  // Per action row: the coordinates an update has reached (accumulator not zero), with their
  // weights and accumulators; every other weight is zero.
  void write(ByteWriter& out) const override {
    out.u32(static_cast<uint32_t>(m_actions));
    out.u32(static_cast<uint32_t>(m_dim));
    std::vector<uint32_t> idx;
    for (int a = 0; a < m_actions; ++a) {
      const std::size_t base = static_cast<std::size_t>(a) * m_dim;
      idx.clear();
      for (std::size_t j = 0; j < m_dim; ++j) {
        if (nonzero_bits(m_g[base + j])) idx.push_back(static_cast<uint32_t>(j));
      }
      out.u32(static_cast<uint32_t>(idx.size()));
      for (uint32_t j : idx) out.u32(j);
      for (uint32_t j : idx) out.f32(m_w[base + j]);
      for (uint32_t j : idx) out.f32(m_g[base + j]);
    }
  }

  void read(ByteReader& in, int actions) override {
    const uint32_t stored_actions = in.u32("the weight rows' count");
    if (stored_actions != static_cast<uint32_t>(actions)) {
      ByteReader::fail("the weights have " + std::to_string(stored_actions) +
                       " action rows but the vocabulary implies " + std::to_string(actions));
    }
    const uint32_t dim = in.u32("the feature dimension");
    if (dim != m_dim) {
      ByteReader::fail("the weights have " + std::to_string(dim) + " features per row, expected " +
                       std::to_string(m_dim));
    }
    std::vector<float> w(m_dim * static_cast<std::size_t>(actions), 0.0f);
    std::vector<float> g(w.size(), 0.0f);
    std::vector<uint32_t> idx;
    for (int a = 0; a < actions; ++a) {
      const std::size_t base = static_cast<std::size_t>(a) * m_dim;
      const uint32_t nnz = in.u32("a weight row");
      if (nnz > m_dim) ByteReader::fail("a weight row has more entries than features");
      in.need_items(nnz, 12, "a weight row");
      idx.resize(nnz);
      for (uint32_t k = 0; k < nnz; ++k) {
        idx[k] = in.u32("a weight row");
        if (idx[k] >= m_dim || (k > 0 && idx[k] <= idx[k - 1])) {
          ByteReader::fail("a weight row's feature indices are out of range or out of order");
        }
      }
      for (uint32_t k = 0; k < nnz; ++k) w[base + idx[k]] = read_weight(in, "a weight row");
      for (uint32_t k = 0; k < nnz; ++k) {
        g[base + idx[k]] = read_accumulator(in, "a weight row");
        if (!nonzero_bits(g[base + idx[k]])) ByteReader::fail("a weight row lists an untouched weight");
      }
    }
    m_w = std::move(w);
    m_g = std::move(g);
    m_actions = actions;
  }

 private:
  std::size_t m_dim;
  int m_actions;
  std::vector<float> m_w;  // action-major: m_w[a * m_dim + j]
  std::vector<float> m_g;  // Adagrad accumulators, same layout
};

class Mlp final : public Model {
 public:
  // The input weights start uniform in [-kInitScale, kInitScale]: with ||φ|| = 1 a hidden
  // unit's pre-activation then has a standard deviation of kInitScale / sqrt(3), so most
  // units start away from 0 and the hidden layer is a rich random code of the features from
  // the first update on. The output layer reads h · kOutputScale / sqrt(hidden). Both
  // constants were chosen on the synthetic bandit (README.md, "Choosing the model").
  static constexpr double kInitScale = 3.0;
  static constexpr double kOutputScale = 2.0;

  Mlp(int feature_bits, int hidden, int actions, uint64_t init_seed)
      : m_dim(std::size_t{1} << feature_bits),
        m_hidden(static_cast<std::size_t>(hidden)),
        m_actions(actions),
        m_init_seed(init_seed),
        m_scale(kOutputScale / std::sqrt(static_cast<double>(hidden))),
        m_w1(m_dim * m_hidden),
        m_w1_g(m_w1.size(), 0.0f),
        m_touched(m_dim, false),
        m_b1(m_hidden, 0.0f),
        m_b1_g(m_hidden, 0.0f),
        m_w2(static_cast<std::size_t>(actions) * m_hidden, 0.0f),
        m_w2_g(m_w2.size(), 0.0f),
        m_b2(static_cast<std::size_t>(actions), 0.0f),
        m_b2_g(m_b2.size(), 0.0f) {
    for (std::size_t j = 0; j < m_dim; ++j) initial_row(j, &m_w1[j * m_hidden]);
  }

  std::string name() const override { return "mlp"; }
  int actions() const override { return m_actions; }
  void add_action() override {
    m_w2.resize(m_w2.size() + m_hidden, 0.0f);
    m_w2_g.resize(m_w2_g.size() + m_hidden, 0.0f);
    m_b2.push_back(0.0f);
    m_b2_g.push_back(0.0f);
    ++m_actions;
  }

  void logits(const SparseVector& x, std::vector<double>& out) const override {
    std::vector<double> h;
    hidden(x, h);
    output(h, out);
  }

  double step(const std::vector<Example>& examples, double learning_rate, double l2) override {
    const std::size_t A = static_cast<std::size_t>(m_actions);
    const std::size_t H = m_hidden;
    std::vector<double> dw2(A * H, 0.0), db2(A, 0.0), db1(H, 0.0);
    std::map<uint32_t, std::vector<double>> dw1;
    std::vector<double> h, z, g, dz(H);
    double loss = 0;
    for (const Example& ex : examples) {
      hidden(*ex.x, h);
      output(h, z);
      logit_gradient(z, ex, g, loss);
      std::fill(dz.begin(), dz.end(), 0.0);
      for (std::size_t a = 0; a < A; ++a) {
        if (g[a] == 0.0) continue;
        db2[a] += g[a];
        const float* v = &m_w2[a * H];
        double* d = &dw2[a * H];
        const double ga = g[a] * m_scale;
        for (std::size_t k = 0; k < H; ++k) {
          d[k] += ga * h[k];
          dz[k] += ga * v[k];
        }
      }
      for (std::size_t k = 0; k < H; ++k) {
        dz[k] *= 1.0 - h[k] * h[k];
        db1[k] += dz[k];
      }
      for (std::size_t n = 0; n < ex.x->size(); ++n) {
        auto& row = dw1[ex.x->index[n]];
        row.resize(H, 0.0);
        const double xv = ex.x->value[n];
        for (std::size_t k = 0; k < H; ++k) row[k] += xv * dz[k];
      }
    }
    for (const auto& [j, row] : dw1) {
      m_touched[j] = true;
      for (std::size_t k = 0; k < H; ++k) {
        adagrad(m_w1[j * H + k], m_w1_g[j * H + k], row[k], learning_rate, l2);
      }
    }
    for (std::size_t k = 0; k < H; ++k) adagrad(m_b1[k], m_b1_g[k], db1[k], learning_rate, 0.0);
    for (std::size_t i = 0; i < A * H; ++i) adagrad(m_w2[i], m_w2_g[i], dw2[i], learning_rate, l2);
    for (std::size_t a = 0; a < A; ++a) adagrad(m_b2[a], m_b2_g[a], db2[a], learning_rate, 0.0);
    return loss;
  }

  void write(ByteWriter& out) const override {
    out.u32(static_cast<uint32_t>(m_hidden));
    out.u32(static_cast<uint32_t>(m_dim));
    // Only the input rows an update has reached: the others are still at their seeded
    // initial values (accumulators zero), which the reader recomputes.
    std::vector<uint32_t> rows;
    for (std::size_t j = 0; j < m_dim; ++j) {
      if (m_touched[j]) rows.push_back(static_cast<uint32_t>(j));
    }
    out.u32(static_cast<uint32_t>(rows.size()));
    for (uint32_t j : rows) {
      out.u32(j);
      for (std::size_t k = 0; k < m_hidden; ++k) out.f32(m_w1[j * m_hidden + k]);
      for (std::size_t k = 0; k < m_hidden; ++k) out.f32(m_w1_g[j * m_hidden + k]);
    }
    for (float v : m_b1) out.f32(v);
    for (float v : m_b1_g) out.f32(v);
    out.u32(static_cast<uint32_t>(m_actions));
    for (float v : m_w2) out.f32(v);
    for (float v : m_w2_g) out.f32(v);
    for (float v : m_b2) out.f32(v);
    for (float v : m_b2_g) out.f32(v);
  }

  void read(ByteReader& in, int actions) override {
    const uint32_t hidden = in.u32("the hidden size");
    if (hidden != m_hidden) {
      ByteReader::fail("the hidden layer has " + std::to_string(hidden) + " units, expected " +
                       std::to_string(m_hidden));
    }
    const uint32_t dim = in.u32("the feature dimension");
    if (dim != m_dim) {
      ByteReader::fail("the input layer has " + std::to_string(dim) + " features, expected " +
                       std::to_string(m_dim));
    }
    const uint32_t nrows = in.u32("the input layer");
    if (nrows > m_dim) ByteReader::fail("the input layer has more rows than features");
    in.need_items(nrows, 4 + 8 * m_hidden, "the input layer");
    std::vector<float> w1(m_dim * m_hidden);
    for (std::size_t j = 0; j < m_dim; ++j) initial_row(j, &w1[j * m_hidden]);
    std::vector<float> w1_g(w1.size(), 0.0f);
    std::vector<bool> touched(m_dim, false);
    int64_t previous = -1;
    for (uint32_t r = 0; r < nrows; ++r) {
      const uint32_t j = in.u32("the input layer");
      if (j >= m_dim || static_cast<int64_t>(j) <= previous) {
        ByteReader::fail("the input layer's feature indices are out of range or out of order");
      }
      previous = j;
      touched[j] = true;
      for (std::size_t k = 0; k < m_hidden; ++k) w1[j * m_hidden + k] = read_weight(in, "the input layer");
      for (std::size_t k = 0; k < m_hidden; ++k) w1_g[j * m_hidden + k] = read_accumulator(in, "the input layer");
    }
    std::vector<float> b1(m_hidden), b1_g(m_hidden);
    for (float& v : b1) v = read_weight(in, "the hidden biases");
    for (float& v : b1_g) v = read_accumulator(in, "the hidden biases");
    const uint32_t stored_actions = in.u32("the output layer");
    if (stored_actions != static_cast<uint32_t>(actions)) {
      ByteReader::fail("the output layer has " + std::to_string(stored_actions) +
                       " actions but the vocabulary implies " + std::to_string(actions));
    }
    in.need_items(static_cast<uint64_t>(actions) * (m_hidden + 1), 8, "the output layer");
    std::vector<float> w2(static_cast<std::size_t>(actions) * m_hidden), w2_g(w2.size());
    for (float& v : w2) v = read_weight(in, "the output layer");
    for (float& v : w2_g) v = read_accumulator(in, "the output layer");
    std::vector<float> b2(static_cast<std::size_t>(actions)), b2_g(b2.size());
    for (float& v : b2) v = read_weight(in, "the output biases");
    for (float& v : b2_g) v = read_accumulator(in, "the output biases");
    m_w1 = std::move(w1);
    m_w1_g = std::move(w1_g);
    m_touched = std::move(touched);
    m_b1 = std::move(b1);
    m_b1_g = std::move(b1_g);
    m_w2 = std::move(w2);
    m_w2_g = std::move(w2_g);
    m_b2 = std::move(b2);
    m_b2_g = std::move(b2_g);
    m_actions = actions;
  }

 private:
  void hidden(const SparseVector& x, std::vector<double>& h) const {
    h.assign(m_hidden, 0.0);
    for (std::size_t k = 0; k < m_hidden; ++k) h[k] = m_b1[k];
    for (std::size_t n = 0; n < x.size(); ++n) {
      const float* w = &m_w1[static_cast<std::size_t>(x.index[n]) * m_hidden];
      const double v = x.value[n];
      for (std::size_t k = 0; k < m_hidden; ++k) h[k] += v * w[k];
    }
    for (double& v : h) v = std::tanh(v);
  }
  void output(const std::vector<double>& h, std::vector<double>& out) const {
    out.assign(static_cast<std::size_t>(m_actions), 0.0);
    for (std::size_t a = 0; a < out.size(); ++a) {
      const float* v = &m_w2[a * m_hidden];
      double s = 0;
      for (std::size_t k = 0; k < m_hidden; ++k) s += v[k] * h[k];
      out[a] = m_b2[a] + s * m_scale;
    }
    out[0] += kStopPrior;
  }
  // Input row j's initial weights: uniform in [-kInitScale, kInitScale] from a generator
  // seeded by (init_seed, j), so any row can be recomputed alone.
  void initial_row(std::size_t j, float* row) const {
    SplitMix64 rng(derive_seed(m_init_seed ^ 0x6D6C70ULL /* "mlp" */, j));
    for (std::size_t k = 0; k < m_hidden; ++k) {
      row[k] = static_cast<float>((2.0 * rng.uniform() - 1.0) * kInitScale);
    }
  }

  std::size_t m_dim;
  std::size_t m_hidden;
  int m_actions;
  uint64_t m_init_seed;
  double m_scale;                // kOutputScale / sqrt(hidden), the output layer's factor
  std::vector<float> m_w1;       // feature-major: m_w1[j * hidden + k]
  std::vector<float> m_w1_g;     // Adagrad accumulators of m_w1 (same for the others)
  std::vector<bool> m_touched;   // input rows an update has reached (the checkpoint holds them)
  std::vector<float> m_b1, m_b1_g;
  std::vector<float> m_w2, m_w2_g;  // action-major: m_w2[a * hidden + k]
  std::vector<float> m_b2, m_b2_g;
};

}  // namespace

std::unique_ptr<Model> make_model(std::string_view name, int feature_bits, int hidden, int actions,
                                  uint64_t init_seed) {
  if (name == "loglinear") return std::make_unique<LogLinear>(feature_bits, actions);
  if (name == "mlp") return std::make_unique<Mlp>(feature_bits, hidden, actions, init_seed);
  throw PolicyError("builtin policy: unknown model '" + std::string(name) +
                    "' (expected 'loglinear' or 'mlp')");
}

}  // namespace policy::builtin
