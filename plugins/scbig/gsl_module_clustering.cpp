// gsl/module_clustering: scBIG's gene-relation clustering as a structure
// learner. The modules are computed once, in prepare(), from the encoders
// and the prior graph its options name; learn() returns them (no trainable
// parameters, no regulariser) as a gene x module assignment and a graph
// linking the genes of each module.
#include <algorithm>
#include <chrono>
#include <sstream>

#include <ATen/ATen.h>
#include <ATen/CPUGeneratorImpl.h>

#include "gene_embedding.hpp"
#include "module_clustering.hpp"
#include "scbig.hpp"
#include "trellis/sdk/atomic_file.hpp"
#include "trellis/sdk/error.hpp"
#include "trellis/sdk/fit_support.hpp"
#include "trellis/sdk/gsl.hpp"
#include "trellis/sdk/log.hpp"
#include "trellis/sdk/options.hpp"
#include "trellis/sdk/predictor.hpp"

namespace trellis::scbig {

namespace {

const std::string kWho = "gsl/module_clustering";

// Gene loadings of the leading principal components of the training
// conditions' pseudobulks (genes as points), for measured genes; other
// genes of the universe get zeros.
at::Tensor expression_components(const sdk::FitContext& context, std::int64_t components) {
  if (!context.screen || context.train_conditions.empty())
    throw sdk::Error(kWho + ": expression_components needs training conditions with expression");
  std::vector<at::Tensor> rows;
  for (std::int64_t c : context.train_conditions) rows.push_back(sdk::condition_mean(context, c));
  const at::Tensor m = at::stack(rows).to(at::kDouble);            // [conditions, measured]
  const at::Tensor centred = (m - m.mean(0, true)).t();             // genes x conditions
  const auto [u, s, v] = at::linalg_svd(centred, false);
  const std::int64_t r = std::min<std::int64_t>({components, s.size(0)});
  const at::Tensor loadings = (u.narrow(1, 0, r) * s.narrow(0, 0, r)).to(at::kFloat);
  at::Tensor out = at::zeros({context.genes->size(), r});
  out.index_copy_(0, at::tensor(context.genes->measured(), at::kLong), loadings);
  return out;
}

class ModuleClustering : public sdk::StructureLearner {
 public:
  explicit ModuleClustering(const sdk::Options& o)
      : features_(o.get_strings("features")),
        prior_(o.get_string("prior")),
        components_(o.get_int("expression_components")),
        max_neighbours_(o.get_int("max_neighbours")),
        random_modules_(o.get_bool("random_modules")) {
    s_.modules = o.get_int("modules");
    s_.kmeans_inits = o.get_int("kmeans_inits");
    s_.kmeans_iterations = o.get_int("kmeans_iterations");
    s_.rounds = o.get_int("rounds");
    s_.capacity = o.get_int("capacity");
    s_.epsilon = o.get_double("epsilon");
    s_.sinkhorn_iterations = o.get_int("sinkhorn_iterations");
    s_.tolerance = o.get_double("tolerance");
    s_.semantic_weight = o.get_double("semantic_weight");
    s_.graph_weight = o.get_double("graph_weight");
    if (features_.empty() && components_ == 0)
      throw o.invalid("features", "is empty and expression_components is 0: name at least one encoder under "
                                  "[model.encoders] (e.g. features = [\"text\"]) or set expression_components");
  }

  sdk::Requirements requirements() const override {
    sdk::Requirements r;
    r.features = features_;
    if (!prior_.empty()) r.graphs = {prior_};
    return r;
  }

  void prepare(const sdk::FitContext& context) override {
    if (!context.genes) throw sdk::Error(kWho + ": needs the gene universe");
    const std::int64_t genes = context.genes->size();
    if (s_.modules > genes)
      throw sdk::Error(kWho + ": modules = " + std::to_string(s_.modules) + " is larger than the number of genes (" +
                       std::to_string(genes) + "); set [model.gsl] modules to at most " + std::to_string(genes));
    std::vector<at::Tensor> parts = {normalised_features(context, features_)};
    if (components_ > 0) parts.push_back(unit_rows(expression_components(context, components_)));
    sdk::Graph prior;
    if (!prior_.empty()) prior = context.graph(prior_);
    s_.seed = context.seed;
    const auto start = std::chrono::steady_clock::now();
    try {
      modules_ = cluster_genes(at::cat(parts, 1), prior, s_);
    } catch (const sdk::Error& e) {
      throw sdk::Error(kWho + ": " + e.what());
    }
    if (random_modules_) shuffle_modules();
    graph_ = module_graph(modules_, max_neighbours_);
    log_summary(std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count());
    if (!context.run_dir.empty()) write_modules(context);
  }

  sdk::GslOutput learn(const at::Tensor& node_repr, const sdk::Graph& prior) override {
    (void)node_repr;
    (void)prior;
    if (!modules_.labels.defined())
      throw sdk::Error(kWho + ": learn() called before prepare(); the modules are computed from the FitContext");
    sdk::GslOutput out;
    out.graph = graph_;
    out.assignment = modules_.assignment;
    return out;
  }

 private:
  // Ablation: the same module sizes, genes drawn at random (seeded).
  void shuffle_modules() {
    at::Generator g = at::detail::createCPUGenerator(s_.seed + 1);
    const at::Tensor order = at::randperm(modules_.labels.size(0), g, at::kLong);
    modules_.labels = modules_.labels.index_select(0, order);
    modules_.strength = modules_.strength.index_select(0, order);
    modules_.assignment = modules_.assignment.index_select(0, order);
    sdk::log_info(kWho + ": random_modules = true: genes shuffled across modules of the clustered sizes");
  }

  void log_summary(double seconds) const {
    const at::Tensor sizes = at::bincount(modules_.labels, {}, s_.modules);
    std::ostringstream m;
    m << kWho << ": " << s_.modules << " modules of " << sizes.min().item<std::int64_t>() << "-"
      << sizes.max().item<std::int64_t>() << " genes; last Sinkhorn " << modules_.sinkhorn_iterations
      << " iterations, marginal error " << modules_.marginal_error << "; module graph " << graph_.num_edges()
      << " edges; " << seconds << " s";
    sdk::log_info(m.str());
    // The reference's tolerance (1e-9) is rarely met in 1,000 iterations; a
    // plan still far from its marginals deserves a warning.
    if (modules_.marginal_error > 1e-3)
      sdk::log_warning(kWho + ": the last Sinkhorn plan misses its marginals by " +
                       std::to_string(modules_.marginal_error) + "; raise sinkhorn_iterations or epsilon");
  }

  void write_modules(const sdk::FitContext& context) const {
    std::ostringstream out;
    out << "gene\tmodule\tweight\n";
    const at::Tensor labels = modules_.labels.contiguous(), strength = modules_.strength.contiguous();
    for (std::int64_t i = 0; i < labels.size(0); ++i)
      out << context.genes->at(i).symbol << '\t' << labels.data_ptr<std::int64_t>()[i] << '\t'
          << strength.data_ptr<float>()[i] << '\n';
    const std::string file = context.run_dir + "/modules.tsv";
    sdk::write_file_atomic(file, out.str());
    sdk::log_info(kWho + ": modules written to " + file);
  }

  std::vector<std::string> features_;
  std::string prior_;
  std::int64_t components_, max_neighbours_;
  bool random_modules_;
  ClusteringSettings s_;
  GeneModules modules_;
  sdk::Graph graph_;
};

}  // namespace

sdk::OptionSchema module_clustering_options() {
  sdk::OptionSchema s;
  s.add("modules", std::int64_t{32}, "number of gene modules K").min(1)
      .add("features", std::vector<std::string>{}, "encoders under [model.encoders] whose L2-normalised rows, "
                                                   "concatenated, embed the genes")
      .add("expression_components", std::int64_t{0},
           "also embed genes by this many principal components of the training pseudobulks (0 = none)").min(0)
      .add("prior", "", "graph under [model.graphs] whose neighbours pull genes together; \"\" = none")
      .add("kmeans_inits", std::int64_t{10}, "seeded k-means++ initialisations").min(1)
      .add("kmeans_iterations", std::int64_t{300}, "Lloyd iterations per initialisation").min(1)
      .add("rounds", std::int64_t{3}, "refinement rounds (Sinkhorn, rounding, centroid update)").min(0)
      .add("capacity", std::int64_t{0}, "genes per module; 0 = balanced (floor or ceil of genes / modules)").min(0)
      .add("epsilon", 0.1, "Sinkhorn entropic regularisation").greater_than(0.0)
      .add("sinkhorn_iterations", std::int64_t{1000}, "Sinkhorn iterations at most").min(1)
      .add("tolerance", 1e-9, "Sinkhorn stops when the marginals are met to this (L1)").greater_than(0.0)
      .add("semantic_weight", 1.0, "weight of the cosine-distance cost").min(0.0)
      .add("graph_weight", 1.0, "weight of the prior-graph cost").min(0.0)
      .add("max_neighbours", std::int64_t{0},
           "module graph: each gene linked from at most this many of its module's strongest members (0 = all)")
      .min(0)
      .add("random_modules", false, "ablation: shuffle genes across modules, keeping the module sizes");
  return s;
}

std::shared_ptr<sdk::StructureLearner> make_module_clustering(const sdk::Options& options) {
  return std::make_shared<ModuleClustering>(options);
}

}  // namespace trellis::scbig
